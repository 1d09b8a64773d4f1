import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { formError, parseForm, renderBadRequest, waitInWords } from '../../web/forms.ts';
import { auditContextOf, safeReturnPath } from '../../web/request-context.ts';
import { endSession, renewSession, secondsLeft } from '../../web/session.ts';
import { homePathFor } from '../../policy/policy.ts';
import { loadActor } from '../../case/actor.ts';
import * as auth from './service.ts';
import { acceptInvitationAsExistingUser } from './invitations.ts';
import { trustThisBrowser, trustedBrowserFor } from './trusted-browser.ts';
import { newTotpSecret, normaliseCode, totpQrCodeSvg, checkTotp } from '../../web/secrets.ts';
import { text } from './schemas.ts';

const signInSchema = z.object({
  email: text(254).min(1, 'Enter your email address'),
  password: z.string().min(1, 'Enter your password').max(256, 'Enter your password'),
});

const codeSchema = z.object({
  code: z
    .string()
    .transform(normaliseCode)
    .pipe(
      z
        .string()
        .min(1, 'Enter the security code')
        .regex(/^\d{6}$/, 'The security code must be 6 numbers'),
    ),
});

const recoveryCodeSchema = z.object({
  code: text(40)
    .min(1, 'Enter a recovery code')
    .regex(/^[A-Za-z0-9\s-]{12,20}$/, 'Enter a recovery code in the format xxxx-xxxx-xxxx'),
});

const methodSchema = z.object({
  method: z.enum(['totp', 'email'], 'Select how you want to get security codes'),
});

function demoCodeFor(services: Services, request: FastifyRequest): string | null {
  return services.config.demoData ? (request.session.data.demoCode ?? null) : null;
}

/**
 * Completes a sign-in. Only the handlers that have just accepted a second factor (a code, a
 * recovery code, or a newly set-up factor) set `secondFactorPassed`; without it, nothing here.
 */
async function afterSignIn(services: Services, request: FastifyRequest, reply: FastifyReply) {
  const { userId, returnTo, pendingInvitationToken, secondFactorPassed } = request.session.data;
  if (!userId || secondFactorPassed !== true) return reply.redirect('/sign-in', 303);
  const context = auditContextOf(request);
  await auth.completeSignIn(services.db, userId, context);
  await renewSession(services.db, request, { userId, secondFactorVerified: true });
  const summary = await auth.accountSummary(services.db, userId);
  if (summary) {
    trustThisBrowser(reply, services.rateLimits, summary.email, {
      secure: services.config.production,
      days: auth.SIGN_IN_LIMITS.trustedBrowserDays,
    });
  }
  if (pendingInvitationToken) {
    const result = await acceptInvitationAsExistingUser(
      services.db,
      pendingInvitationToken,
      userId,
      { ...context, actorUserId: userId },
    );
    request.session.data.flash =
      result === 'accepted'
        ? { heading: 'Invitation accepted', body: 'You can now see what you were invited to.' }
        : {
            heading: 'The invitation could not be used',
            body:
              result === 'wrong-account'
                ? 'It was sent to a different email address from the one you signed in with.'
                : 'It has expired or has already been used. Ask for a new invitation.',
          };
  }
  const actor = await loadActor(services.db, userId);
  return reply.redirect(safeReturnPath(returnTo) ?? (actor ? homePathFor(actor) : '/'), 303);
}

async function startSecondFactor(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  method: string | null,
) {
  if (!method) return reply.redirect('/set-up-second-factor', 303);
  if (method === 'email' && !(await sendCode(services, request))) noMoreCodes(request);
  return reply.redirect('/sign-in/security-code', 303);
}

function noMoreCodes(request: FastifyRequest) {
  request.session.data.flash = {
    heading: 'We cannot send any more codes',
    body: 'Use the last code we sent, or sign in again later.',
  };
  request.session.changed();
}

function tooManyAttempts(reply: FastifyReply, waitSeconds: number, retryPath: string) {
  // For operators watching for guessing: which step, how long the wait; never who or from where.
  reply.request.log.info({ step: retryPath, waitSeconds }, 'sign-in attempt throttled');
  return reply
    .code(429)
    .header('retry-after', String(waitSeconds))
    .render('auth/too-many-attempts.njk', { wait: waitInWords(waitSeconds), retryPath });
}

/** Emails a sign-in code; false when this sign-in has already had its share of codes. */
async function sendCode(services: Services, request: FastifyRequest): Promise<boolean> {
  const data = request.session.data;
  if (!data.userId) return false;
  if ((data.emailCodesSent ?? 0) >= auth.SIGN_IN_LIMITS.emailCodesPerSignIn) return false;
  const sent = await auth.sendEmailCode(
    services.db,
    services.jobs,
    services.rateLimits,
    data.userId,
    request.ip,
  );
  if (!sent) return false;
  data.emailCode = { hash: sent.hash, expiresAt: sent.expiresAt };
  data.emailCodesSent = (data.emailCodesSent ?? 0) + 1;
  if (services.config.demoData) data.demoCode = sent.code;
  request.session.changed();
  return true;
}

function secondFactorFailed(
  reply: FastifyReply,
  template: string,
  result: Exclude<auth.CodeCheck, { outcome: 'accepted' }>,
  context: Record<string, unknown>,
  retryPath: string,
) {
  if (result.outcome === 'too-many-attempts') {
    return tooManyAttempts(reply, result.waitSeconds, retryPath);
  }
  const message =
    result.outcome === 'expired'
      ? 'The security code has expired. Send a new code'
      : 'The security code is not correct. Check it and try again';
  return renderBadRequest(reply, template, formError('code', message), {}, context);
}

export async function authRoutes(app: FastifyInstance, services: Services) {
  const { db } = services;
  const publicRoute = { config: { policy: 'public' as const } };
  const signingIn = { config: { policy: 'signing-in' as const } };
  const signedIn = { config: { policy: 'signed-in' as const } };

  app.get('/sign-in', publicRoute, async (request, reply) => {
    if (request.actor) return reply.redirect(homePathFor(request.actor), 303);
    const timedOut =
      request.session.timedOut || (request.query as Record<string, unknown>).reason === 'timeout';
    return reply.render('auth/sign-in.njk', { values: {}, timedOut });
  });

  app.post('/sign-in', publicRoute, async (request, reply) => {
    const form = parseForm(signInSchema, request.body);
    if (!form.ok) return renderBadRequest(reply, 'auth/sign-in.njk', form, request.body);
    const result = await auth.signInWithPassword(
      db,
      services.rateLimits,
      {
        ...form.value,
        trustedBrowser: trustedBrowserFor(request, services.rateLimits, form.value.email),
      },
      auditContextOf(request),
    );
    if (result.outcome === 'too-many-attempts') {
      return tooManyAttempts(reply, result.waitSeconds, '/sign-in');
    }
    if (result.outcome === 'wrong') {
      return renderBadRequest(
        reply,
        'auth/sign-in.njk',
        formError('email', 'Enter a correct email address and password'),
        request.body,
      );
    }
    const { returnTo, pendingInvitationToken } = request.session.data;
    await renewSession(db, request, { userId: result.userId, returnTo, pendingInvitationToken });
    return startSecondFactor(services, request, reply, result.secondFactor);
  });

  app.get('/sign-in/security-code', signingIn, async (request, reply) => {
    const summary = await auth.accountSummary(db, request.session.data.userId!);
    return reply.render('auth/security-code.njk', {
      method: summary?.secondFactor,
      demoCode: demoCodeFor(services, request),
    });
  });

  app.post('/sign-in/security-code', signingIn, async (request, reply) => {
    const summary = await auth.accountSummary(db, request.session.data.userId!);
    const context = { method: summary?.secondFactor, demoCode: demoCodeFor(services, request) };
    const form = parseForm(codeSchema, request.body);
    if (!form.ok) return renderBadRequest(reply, 'auth/security-code.njk', form, {}, context);
    const emailCode = request.session.data.emailCode;
    const result = await auth.checkSecondFactor(
      db,
      services.rateLimits,
      request.session.data.userId!,
      form.value.code,
      emailCode,
    );
    if (result.outcome !== 'accepted') {
      return secondFactorFailed(
        reply,
        'auth/security-code.njk',
        result,
        context,
        '/sign-in/security-code',
      );
    }
    request.session.data.secondFactorPassed = true;
    return afterSignIn(services, request, reply);
  });

  app.post('/sign-in/send-new-code', signingIn, async (request, reply) => {
    const summary = await auth.accountSummary(db, request.session.data.userId!);
    if (summary?.secondFactor === 'email' && !(await sendCode(services, request))) {
      noMoreCodes(request);
    }
    return reply.redirect('/sign-in/security-code', 303);
  });

  app.get('/sign-in/recovery-code', signingIn, async (_request, reply) => {
    return reply.render('auth/recovery-code.njk', { values: {} });
  });

  app.post('/sign-in/recovery-code', signingIn, async (request, reply) => {
    const form = parseForm(recoveryCodeSchema, request.body);
    if (!form.ok) return renderBadRequest(reply, 'auth/recovery-code.njk', form, request.body);
    const result = await auth.checkRecoveryCode(
      db,
      services.rateLimits,
      request.session.data.userId!,
      form.value.code,
      auditContextOf(request),
    );
    if (result.outcome === 'too-many-attempts') {
      return tooManyAttempts(reply, result.waitSeconds, '/sign-in/recovery-code');
    }
    if (result.outcome !== 'accepted') {
      return renderBadRequest(
        reply,
        'auth/recovery-code.njk',
        formError('code', 'That recovery code is not correct or has already been used'),
        request.body,
      );
    }
    request.session.data.secondFactorPassed = true;
    return afterSignIn(services, request, reply);
  });

  app.get('/set-up-second-factor', signingIn, async (_request, reply) => {
    return reply.render('auth/choose-second-factor.njk', { values: {} });
  });

  app.post('/set-up-second-factor', signingIn, async (request, reply) => {
    const summary = await auth.accountSummary(db, request.session.data.userId!);
    if (summary?.secondFactor) return reply.redirect('/sign-in/security-code', 303);
    const form = parseForm(methodSchema, request.body);
    if (!form.ok)
      return renderBadRequest(reply, 'auth/choose-second-factor.njk', form, request.body);
    if (form.value.method === 'totp') {
      request.session.data.pendingTotpSecret = newTotpSecret();
      request.session.changed();
      return reply.redirect('/set-up-second-factor/app', 303);
    }
    await sendCode(services, request);
    return reply.redirect('/set-up-second-factor/email', 303);
  });

  const appSetupContext = async (request: FastifyRequest) => {
    const secret = request.session.data.pendingTotpSecret;
    const summary = await auth.accountSummary(db, request.session.data.userId!);
    if (!secret || !summary) return null;
    return { secret, qrCode: await totpQrCodeSvg(secret, summary.email) };
  };

  app.get('/set-up-second-factor/app', signingIn, async (request, reply) => {
    const context = await appSetupContext(request);
    if (!context) return reply.redirect('/set-up-second-factor', 303);
    return reply.render('auth/set-up-app.njk', context);
  });

  app.post('/set-up-second-factor/app', signingIn, async (request, reply) => {
    const context = await appSetupContext(request);
    if (!context) return reply.redirect('/set-up-second-factor', 303);
    const form = parseForm(codeSchema, request.body);
    if (!form.ok) return renderBadRequest(reply, 'auth/set-up-app.njk', form, {}, context);
    if (!checkTotp(context.secret, form.value.code)) {
      return renderBadRequest(
        reply,
        'auth/set-up-app.njk',
        formError(
          'code',
          'The security code is not correct. Check your app shows Pathway and try again',
        ),
        {},
        context,
      );
    }
    const userId = request.session.data.userId!;
    const codes = await auth.setUpSecondFactor(
      db,
      userId,
      'totp',
      context.secret,
      auditContextOf(request),
    );
    return finishSetUp(request, reply, codes);
  });

  app.get('/set-up-second-factor/email', signingIn, async (request, reply) => {
    if (!request.session.data.emailCode) return reply.redirect('/set-up-second-factor', 303);
    return reply.render('auth/set-up-email.njk', { demoCode: demoCodeFor(services, request) });
  });

  app.post('/set-up-second-factor/email', signingIn, async (request, reply) => {
    const emailCode = request.session.data.emailCode;
    if (!emailCode) return reply.redirect('/set-up-second-factor', 303);
    const context = { demoCode: demoCodeFor(services, request) };
    const form = parseForm(codeSchema, request.body);
    if (!form.ok) return renderBadRequest(reply, 'auth/set-up-email.njk', form, {}, context);
    const userId = request.session.data.userId!;
    const result = await auth.checkSecondFactor(
      db,
      services.rateLimits,
      userId,
      form.value.code,
      emailCode,
    );
    if (result.outcome !== 'accepted') {
      return secondFactorFailed(
        reply,
        'auth/set-up-email.njk',
        result,
        context,
        '/set-up-second-factor/email',
      );
    }
    const codes = await auth.setUpSecondFactor(db, userId, 'email', null, auditContextOf(request));
    return finishSetUp(request, reply, codes);
  });

  async function finishSetUp(request: FastifyRequest, reply: FastifyReply, codes: string[]) {
    const { userId, returnTo, pendingInvitationToken } = request.session.data;
    await renewSession(db, request, {
      userId,
      returnTo,
      pendingInvitationToken,
      freshRecoveryCodes: codes,
      secondFactorPassed: true,
    });
    return reply.redirect('/set-up-second-factor/recovery-codes', 303);
  }

  app.get('/set-up-second-factor/recovery-codes', signingIn, async (request, reply) => {
    const codes = request.session.data.freshRecoveryCodes;
    if (!codes) return reply.redirect('/sign-in', 303);
    return reply.render('auth/recovery-codes.njk', {
      codes,
      continueAction: '/set-up-second-factor/recovery-codes',
    });
  });

  app.post('/set-up-second-factor/recovery-codes', signingIn, async (request, reply) => {
    if (!request.session.data.freshRecoveryCodes) return reply.redirect('/sign-in', 303);
    return afterSignIn(services, request, reply);
  });

  app.post('/sign-out', publicRoute, async (request, reply) => {
    if (request.actor) await auth.recordSignOut(db, auditContextOf(request));
    await endSession(db, request, reply);
    return reply.redirect('/signed-out', 303);
  });

  app.get('/signed-out', publicRoute, async (request, reply) => {
    const timedOut = (request.query as Record<string, unknown>).reason === 'timeout';
    return reply.render('auth/signed-out.njk', { timedOut });
  });

  app.get(
    '/session/time-left',
    { config: { policy: 'public', passiveSession: true } },
    async (request, reply) => {
      const seconds = request.actor ? await secondsLeft(db, request) : 0;
      return reply
        .header('cache-control', 'no-store')
        .send({ signedIn: Boolean(request.actor), secondsLeft: seconds });
    },
  );

  app.post('/session/keep-alive', signedIn, async (request, reply) => {
    request.session.changed();
    return reply.code(204).send();
  });
}
