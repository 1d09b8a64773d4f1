import { z } from 'zod';

/** Form fields several forms share, with their GOV.UK error messages. */

/** An email address that may be left blank. */
export const optionalEmailAddress = z
  .string()
  .trim()
  .max(254, 'Email address must be 254 characters or fewer')
  .refine(
    (e) => e === '' || z.email().safeParse(e).success,
    'Enter an email address in the correct format, like name@example.com',
  )
  .transform((e) => e.toLowerCase())
  .optional()
  .default('');
