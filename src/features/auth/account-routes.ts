import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { parseForm, renderBadRequest, waitInWords } from '../../web/forms.ts';
import { auditContextOf } from '../../web/request-context.ts';
import { endSession, renewSession } from '../../web/session.ts';
import * as auth from './service.ts';
import * as invitations from './invitations.ts';
import * as passwordReset from './password-reset.ts';
import { newPasswordSchema, text } from './schemas.ts';
import { trustThisBrowser } from './trusted-browser.ts';

/** Joining by invitation, resetting a password, and the account page. */

const registerSchema = z
  .object({
    displayName: text(120).min(1, 'Enter your full name'),
  })
  .and(newPasswordSchema);

const emailSchema = z.object({
  email: text(254)
    .min(1, 'Enter your email address')
    .pipe(z.email('Enter an email address in the correct format, like name@example.com')),
});

export async function accountRoutes(app: FastifyInstance, services: Services) {
  const { db, config } = services;
  const publicRoute = { config: { policy: 'public' as const } };
  const signedIn = { config: { policy: 'signed-in' as const } };

  app.get('/forgot-password', publicRoute, async (_request, reply) => {
    return reply.render('auth/forgot-password.njk', { values: {} });
  });

  app.post('/forgot-password', publicRoute, async (request, reply) => {
    const form = parseForm(emailSchema, request.body);
    if (!form.ok) return renderBadRequest(reply, 'auth/forgot-password.njk', form, request.body);
    // Per address, whatever the emails: the same for known and unknown ones.
    const fromAddress = await services.rateLimits.hit(
      services.rateLimits.key('password-reset:address', request.ip),
      3_600_000,
    );
    if (fromAddress.count > auth.SIGN_IN_LIMITS.resetRequestsPerAddressPerHour) {
      const tooMany = {
        text: `You have asked for too many reset links. Wait ${waitInWords(fromAddress.ttlMs / 1000)}, then try again`,
        href: '#email',
      };
      reply.header('retry-after', String(Math.ceil(fromAddress.ttlMs / 1000)));
      return renderBadRequest(
        reply,
        'auth/forgot-password.njk',
        { errors: { email: tooMany }, errorList: [tooMany] },
        request.body,
        {},
        429,
      );
    }
    await passwordReset.queuePasswordResetRequest(
      db,
      services.jobs,
      form.value.email,
      auditContextOf(request),
    );
    return reply.redirect('/forgot-password/check-your-email', 303);
  });

  app.get('/forgot-password/check-your-email', publicRoute, async (_request, reply) => {
    return reply.render('auth/check-your-email.njk', {});
  });

  app.get<{ Params: { token: string } }>(
    '/reset-password/:token',
    publicRoute,
    async (request, reply) => {
      if (!(await passwordReset.passwordResetIsUsable(db, request.params.token))) {
        return reply.code(404).render('auth/link-expired.njk', { kind: 'reset' });
      }
      return reply.render('auth/reset-password.njk', { values: {} });
    },
  );

  app.post<{ Params: { token: string } }>(
    '/reset-password/:token',
    publicRoute,
    async (request, reply) => {
      const form = parseForm(newPasswordSchema, request.body);
      if (!form.ok) return renderBadRequest(reply, 'auth/reset-password.njk', form, request.body);
      const result = await passwordReset.resetPassword(
        db,
        request.params.token,
        form.value.password,
        auditContextOf(request),
      );
      if (!result) return reply.code(404).render('auth/link-expired.njk', { kind: 'reset' });
      // The link proved the inbox: earlier guesses no longer slow the owner, on this browser.
      await auth.forgetPasswordGuesses(services.rateLimits, result.email);
      trustThisBrowser(reply, services.rateLimits, result.email, {
        secure: config.production,
        days: auth.SIGN_IN_LIMITS.trustedBrowserDays,
      });
      await endSession(db, request, reply);
      request.session.data.flash = {
        heading: 'Your password has been changed',
        body: 'Sign in with your new password.',
      };
      request.session.changed();
      return reply.redirect('/sign-in', 303);
    },
  );

  app.get<{ Params: { token: string } }>(
    '/register/:token',
    publicRoute,
    async (request, reply) => {
      const invitation = await invitations.findUsableInvitation(db, request.params.token);
      if (!invitation)
        return reply.code(404).render('auth/link-expired.njk', { kind: 'invitation' });
      const existing = await auth.accountSummaryByEmail(db, invitation.email);
      if (existing) {
        request.session.data.pendingInvitationToken = request.params.token;
        request.session.changed();
        return reply.render('auth/register-existing.njk', { email: invitation.email });
      }
      return reply.render('auth/register.njk', { email: invitation.email, values: {} });
    },
  );

  app.post<{ Params: { token: string } }>(
    '/register/:token',
    publicRoute,
    async (request, reply) => {
      const invitation = await invitations.findUsableInvitation(db, request.params.token);
      if (!invitation)
        return reply.code(404).render('auth/link-expired.njk', { kind: 'invitation' });
      const form = parseForm(registerSchema, request.body);
      if (!form.ok) {
        return renderBadRequest(reply, 'auth/register.njk', form, request.body, {
          email: invitation.email,
        });
      }
      const result = await invitations.registerFromInvitation(
        db,
        request.params.token,
        form.value,
        auditContextOf(request),
      );
      if (result.outcome === 'unusable')
        return reply.code(404).render('auth/link-expired.njk', { kind: 'invitation' });
      if (result.outcome === 'exists')
        return reply.redirect(`/register/${request.params.token}`, 303);
      await renewSession(db, request, { userId: result.userId });
      return reply.redirect('/set-up-second-factor', 303);
    },
  );

  app.get('/account', signedIn, async (request, reply) => {
    const summary = await auth.accountSummary(db, request.actor!.userId);
    return reply.render('auth/account.njk', { summary, actor: request.actor });
  });

  app.post('/account/recovery-codes', signedIn, async (request, reply) => {
    const codes = await auth.regenerateRecoveryCodes(
      db,
      request.actor!.userId,
      auditContextOf(request),
    );
    return reply.render('auth/recovery-codes.njk', { codes, continueAction: null });
  });
}
