/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { renderSVG } from "uqr";
import { RecoveryCodesPage, TwoFactorOnPage, TwoFactorSetupPage } from "../../views/settings-two-factor.tsx";
import type { PageContext } from "../../views/context.ts";
import { ValidationError } from "../core/errors.ts";
import type { Viewer } from "../core/sessions.ts";
import {
  disableTwoFactor,
  enableTwoFactor,
  newRecoveryCodes,
  pendingSecret,
  recoveryCodesLeft,
  setupSecret,
} from "../core/two-factor.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";

const csrf = t.Optional(t.String());
const PATH = "/settings/two-factor";

/** Settings → Two-factor authentication: set it up, make new recovery codes, turn it off. */
export function twoFactorRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, limits } = deps;

  /** The page for the member's state now: the setup while off, the management while on. */
  const render = (ctx: PageContext, viewer: Viewer, extra: { errors?: Record<string, string>; message?: string } = {}) => {
    if (viewer.user.otpEnabledAt) {
      return (
        <TwoFactorOnPage
          ctx={ctx}
          enabledAt={viewer.user.otpEnabledAt}
          codesLeft={recoveryCodesLeft(db, viewer.user.id)}
          errors={extra.errors}
        />
      );
    }
    // A wrong code after the right password shows the same key again (the member's app has it);
    // anything else makes a new one, so a stolen session cannot read back a key being set up.
    const label = `${viewer.account.username}@${deps.baseUrl.hostname}`;
    const onlyCodeWrong = extra.errors?.code !== undefined && extra.errors.password === undefined;
    const { secret, uri } = (onlyCodeWrong && pendingSecret(db, viewer.user.id, label)) || setupSecret(db, viewer.user.id, label);
    const safeQrSvg = renderSVG(uri, { border: 2 });
    return <TwoFactorSetupPage ctx={ctx} secret={secret} safeQrSvg={safeQrSvg} {...extra} />;
  };

  /** Runs a change; a wrong password or code shows the page again with the message by its field. */
  const attempt = async <T,>(
    run: () => Promise<T>,
    onError: (fields: Record<string, string>) => unknown,
    set: { status?: unknown },
  ) => {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      set.status = 422;
      return onError(error.fields);
    }
  };

  return (
    new Elysia({ name: "two-factor" })
      .use(page)
      // Keys and recovery codes must not stay in a browser's or a proxy's cache.
      .onAfterHandle(({ set }) => {
        set.headers["cache-control"] = "no-store";
      })
      // A refused form answers at the address it posted to; reloading that address shows the page again.
      .get(`${PATH}/enable`, ({ redirect }) => redirect(PATH, 303))
      .get(`${PATH}/recovery-codes`, ({ redirect }) => redirect(PATH, 303))
      .get(`${PATH}/disable`, ({ redirect }) => redirect(PATH, 303))
      .get(
        PATH,
        ({ ctx, viewer, query, redirect }) => {
          if (!viewer) return redirect(loginFirst(PATH), 303);
          return render(ctx, viewer, { message: query.off ? "Two-factor authentication is off." : undefined });
        },
        { query: t.Object({ off: t.Optional(t.String({ maxLength: 1 })) }) },
      )
      .post(
        `${PATH}/enable`,
        async ({ ctx, viewer, body, set, redirect }) => {
          if (!viewer) return redirect(loginFirst(PATH), 303);
          return attempt(
            async () => {
              const codes = await enableTwoFactor(db, limits, viewer.user.id, { password: body.password, code: body.code });
              return <RecoveryCodesPage ctx={ctx} codes={codes} justEnabled />;
            },
            (errors) => render(ctx, viewer, { errors }),
            set,
          );
        },
        { body: t.Object({ _csrf: csrf, code: t.String({ maxLength: 100 }), password: t.String({ maxLength: 1024 }) }) },
      )
      .post(
        `${PATH}/recovery-codes`,
        async ({ ctx, viewer, body, set, redirect }) => {
          if (!viewer) return redirect(loginFirst(PATH), 303);
          return attempt(
            async () => {
              const codes = await newRecoveryCodes(db, limits, viewer.user.id, {
                password: body.codes_password,
                code: body.codes_code,
              });
              return <RecoveryCodesPage ctx={ctx} codes={codes} justEnabled={false} />;
            },
            (errors) => render(ctx, viewer, { errors: { codes_password: errors.password ?? "", codes_code: errors.code ?? "" } }),
            set,
          );
        },
        {
          body: t.Object({
            _csrf: csrf,
            codes_code: t.String({ maxLength: 100 }),
            codes_password: t.String({ maxLength: 1024 }),
          }),
        },
      )
      .post(
        `${PATH}/disable`,
        async ({ ctx, viewer, body, set, redirect }) => {
          if (!viewer) return redirect(loginFirst(PATH), 303);
          return attempt(
            async () => {
              await disableTwoFactor(db, limits, viewer.user.id, { password: body.password, code: body.code });
              return redirect(`${PATH}?off=1`, 303);
            },
            (errors) => render(ctx, viewer, { errors }),
            set,
          );
        },
        { body: t.Object({ _csrf: csrf, code: t.String({ maxLength: 100 }), password: t.String({ maxLength: 1024 }) }) },
      )
  );
}
