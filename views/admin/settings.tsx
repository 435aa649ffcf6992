/** @jsxImportSource @kitajs/html */
import type { InstanceSettings } from "../../src/core/instance.ts";
import type { PageContext } from "../context.ts";
import { CsrfField, Field, FormMessage } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { AdminTabs } from "./tabs.tsx";

export function InstanceSettingsPage({
  ctx,
  values,
  errors = {},
  saved,
}: {
  ctx: PageContext;
  values: InstanceSettings;
  errors?: Record<string, string>;
  saved?: boolean;
}) {
  const modes = [
    ["open", "Open: anyone can sign up"],
    ["approval", "Approval: a moderator approves each sign-up"],
    ["invite", "Invite only"],
    ["closed", "Closed"],
  ] as const;
  return (
    <Layout title="Instance settings" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <form method="post" action="/admin/settings" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <FormMessage message={saved ? "Saved." : undefined} kind="success" />
        <Field name="name" label="Instance name" value={values.name} maxlength={60} error={errors.name} />
        <Field
          name="description"
          label="Description"
          required={false}
          multiline
          value={values.description}
          error={errors.description}
        />
        <div class="field">
          <label for="registration_mode">Who can join</label>
          <select id="registration_mode" name="registration_mode">
            {modes.map(([value, label]) => (
              <option value={value} selected={values.registrationMode === value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <Field
          name="max_post_length"
          label="Longest post, in characters"
          type="number"
          value={String(values.maxPostLength)}
          error={errors.max_post_length}
        />
        <div class="check">
          <input
            type="checkbox"
            id="secure_mode"
            name="secure_mode"
            value="1"
            checked={values.secureMode}
            aria-describedby="secure_mode-hint"
          />
          <label for="secure_mode">Secure mode (authorized fetch)</label>
          <p class="hint" id="secure_mode-hint">
            Other servers must sign their requests to read profiles and posts. Stricter; a few older servers then see nothing.
          </p>
        </div>
        <button type="submit">Save settings</button>
      </form>
    </Layout>
  );
}
