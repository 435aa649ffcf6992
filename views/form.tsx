/** @jsxImportSource @kitajs/html */
import { PASSWORD_MIN } from "../src/core/accounts.ts";
import type { PageContext } from "./context.ts";

export function CsrfField({ ctx }: { ctx: PageContext }) {
  return <input type="hidden" name="_csrf" value={ctx.csrf} />;
}

export interface FieldProps {
  /** Shown, sent, not to be changed (the domain of a block being changed). */
  readonly?: boolean;
  name: string;
  /** Where a page has the same field in several forms; the name otherwise. */
  id?: string;
  label: string;
  type?: string;
  autocomplete?: string;
  value?: string;
  hint?: string;
  error?: string;
  pattern?: string;
  minlength?: number;
  maxlength?: number;
  required?: boolean;
  multiline?: boolean;
  rows?: number;
}

/** One labelled input with its hint and error tied to it for screen readers. */
export function Field(props: FieldProps) {
  const id = props.id ?? props.name;
  const described = [props.hint ? `${id}-hint` : "", props.error ? `${id}-error` : ""].filter(Boolean);
  const common = {
    id,
    name: props.name,
    autocomplete: props.autocomplete,
    required: props.required ?? true,
    minlength: props.minlength,
    maxlength: props.maxlength,
    readonly: props.readonly,
    "aria-invalid": props.error ? "true" : undefined,
    "aria-describedby": described.length > 0 ? described.join(" ") : undefined,
  };
  return (
    <div class={props.error ? "field invalid" : "field"}>
      <label for={id} safe>
        {props.label}
      </label>
      {props.multiline ? (
        <textarea {...common} rows={String(props.rows ?? 3)} safe>
          {props.value ?? ""}
        </textarea>
      ) : (
        <input {...common} type={props.type ?? "text"} value={props.value} pattern={props.pattern} />
      )}
      {props.hint ? (
        <p class="hint" id={`${id}-hint`} safe>
          {props.hint}
        </p>
      ) : (
        ""
      )}
      {props.error ? (
        <p class="error" id={`${id}-error`} safe>
          {props.error}
        </p>
      ) : (
        ""
      )}
    </div>
  );
}

/** A message about the whole form, announced to screen readers. */
export function FormMessage({ message, kind = "error" }: { message?: string; kind?: "error" | "success" }) {
  if (!message) return "";
  return (
    <p class={kind === "error" ? "error form-message" : "success form-message"} role={kind === "error" ? "alert" : "status"} safe>
      {message}
    </p>
  );
}

/**
 * At the top of a long page whose form was refused: what was wrong, each a link to its field
 * (field ids are their names), since the field itself may be far below where the page opens.
 */
export function ErrorSummary({ errors }: { errors: Record<string, string> }) {
  const entries = Object.entries(errors).filter(([, message]) => message);
  if (entries.length === 0) return "";
  return (
    <div class="error form-message error-summary" role="alert">
      <p>Nothing was saved:</p>
      <ul>
        {entries.map(([field, message]) => (
          <li>
            <a href={`#${field}`} safe>
              {message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A new password and its confirmation, as sign-up, setup and the password change ask for them. */
export function NewPasswordFields({ errors, label = "Password" }: { errors: Record<string, string>; label?: string }) {
  return (
    <>
      <Field
        name="password"
        label={label}
        type="password"
        autocomplete="new-password"
        hint={`At least ${PASSWORD_MIN} characters.`}
        minlength={PASSWORD_MIN}
        error={errors.password}
      />
      <Field
        name="password_confirmation"
        label={`Confirm ${label.toLowerCase()}`}
        type="password"
        autocomplete="new-password"
        error={errors.password_confirmation}
      />
    </>
  );
}

/** One button that posts to `action`, with the CSRF token: the way pages act without JavaScript. */
export function PostButton({
  ctx,
  action,
  label,
  kind,
  fullLabel,
  confirm,
}: {
  ctx: PageContext;
  action: string;
  label: string;
  kind?: string;
  /** What a screen reader says when the label alone does not tell which one ("Unmute @ada"). */
  fullLabel?: string;
  /** Asked before it is sent (app.js), for what cannot be undone. */
  confirm?: string;
}) {
  return (
    <form method="post" action={action} data-confirm={confirm}>
      <CsrfField ctx={ctx} />
      <button type="submit" class={kind} aria-label={fullLabel} safe>
        {label}
      </button>
    </form>
  );
}

/** A checkbox with its label and a hint, the value "1" when ticked. */
export function Check({ name, label, checked, hint }: { name: string; label: string; checked: boolean; hint: string }) {
  return (
    <div class="check">
      <input type="checkbox" id={name} name={name} value="1" checked={checked} aria-describedby={`${name}-hint`} />
      <label for={name} safe>
        {label}
      </label>
      <p class="hint" id={`${name}-hint`} safe>
        {hint}
      </p>
    </div>
  );
}

/** A field's message, announced as it appears (the form came back refused). */
export function ErrorText({ id, text }: { id: string; text?: string }) {
  return text ? (
    <p class="error" id={id} role="alert" safe>
      {text}
    </p>
  ) : (
    ""
  );
}

/**
 * A time typed in the member's time zone where the page's script says which it is (app.js puts
 * the zone's offset at that date in the `offsetName` field as the form is sent), in UTC without it.
 */
export function LocalTimeInput({
  id,
  name = "scheduled_at",
  offsetName = "utc_offset",
  value,
  offset,
  utc,
  error,
  label,
  hint,
}: {
  id: string;
  name?: string;
  offsetName?: string;
  value?: string;
  offset?: string;
  /** The time to show, for app.js to write in the member's zone (the value is this, in UTC). */
  utc?: Date;
  error?: string;
  label: string;
  hint: string;
}) {
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for={id} safe>
        {label}
      </label>
      <input
        id={id}
        name={name}
        type="datetime-local"
        value={value ?? utc?.toISOString().slice(0, 16) ?? ""}
        data-utc={utc?.toISOString()}
        data-offset={offsetName}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? `${id}-hint ${id}-error` : `${id}-hint`}
        autofocus={error !== undefined}
      />
      <input type="hidden" name={offsetName} value={offset ?? "0"} />
      <p class="hint" id={`${id}-hint`} data-time-zone-hint={hint} safe>
        {`In UTC. ${hint}`}
      </p>
      <ErrorText id={`${id}-error`} text={error} />
    </div>
  );
}
