/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";

export function CsrfField({ ctx }: { ctx: PageContext }) {
  return <input type="hidden" name="_csrf" value={ctx.csrf} />;
}

export interface FieldProps {
  name: string;
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
  const described = [props.hint ? `${props.name}-hint` : "", props.error ? `${props.name}-error` : ""].filter(Boolean);
  const common = {
    id: props.name,
    name: props.name,
    autocomplete: props.autocomplete,
    required: props.required ?? true,
    minlength: props.minlength,
    maxlength: props.maxlength,
    "aria-invalid": props.error ? "true" : undefined,
    "aria-describedby": described.length > 0 ? described.join(" ") : undefined,
  };
  return (
    <div class={props.error ? "field invalid" : "field"}>
      <label for={props.name} safe>
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
        <p class="hint" id={`${props.name}-hint`} safe>
          {props.hint}
        </p>
      ) : (
        ""
      )}
      {props.error ? (
        <p class="error" id={`${props.name}-error`} safe>
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
