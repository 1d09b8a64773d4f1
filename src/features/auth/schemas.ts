import { z } from 'zod';

/** Trimmed text with a GOV.UK message when it is too long. */
export const text = (max: number) =>
  z.string().trim().max(max, `Must be ${max} characters or fewer`);

/** NCSC advice: length over complexity; refuse the obvious. */
export const newPasswordSchema = z
  .object({
    password: z
      .string()
      .min(1, 'Enter a password')
      .min(10, 'Password must be 10 characters or more')
      .max(200, 'Password must be 200 characters or fewer')
      .refine(
        (p) => !/^(.)\1*$/.test(p) && !/^(password|qwerty|letmein|123456)/i.test(p),
        'Choose a password that is harder to guess',
      ),
    confirmPassword: z.string().min(1, 'Confirm your password'),
  })
  .refine((v) => v.password === v.confirmPassword, {
    message: 'Passwords must match',
    path: ['confirmPassword'],
  });
