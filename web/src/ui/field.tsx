import type { ComponentChildren, JSX } from 'preact';
import { useId } from 'preact/hooks';

interface FieldFrameProps {
  label: string;
  hint?: ComponentChildren;
  error?: string | null;
  // The control, given its id and the ids that describe it (hint, error).
  children: (id: string, describedBy: string | undefined) => ComponentChildren;
}

// A label, the control, an optional hint and an error in words, tied together for screen
// readers. Field, TextArea and Select are this frame around their control.
export function FieldFrame({ label, hint, error, children }: FieldFrameProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`ui-field${error ? ' ui-field--invalid' : ''}`}>
      <label class="ui-field__label" for={id}>{label}</label>
      {children(id, described || undefined)}
      {hint && <p class="ui-field__hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p class="ui-field__error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'label'> & {
  label: string;
  value: string;
  onValue: (value: string) => void;
  hint?: ComponentChildren;
  error?: string | null;
  type?: 'text' | 'email' | 'password' | 'url' | 'number' | 'search' | 'datetime-local';
};

// A labelled text input. For a secret (a password, an API key) use type="password": the
// value lives only in the input while typed and is never rendered back.
export function Field({ label, value, onValue, hint, error, type = 'text', ...rest }: InputProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error ?? null}>
      {(id, describedBy) => (
        <input {...rest} id={id} type={type} class="ui-input" value={value}
               aria-invalid={error ? 'true' : undefined} aria-describedby={describedBy}
               onInput={(e) => onValue(e.currentTarget.value)} />
      )}
    </FieldFrame>
  );
}

type TextAreaProps = Omit<JSX.TextareaHTMLAttributes<HTMLTextAreaElement>, 'value' | 'onInput' | 'label'> & {
  label: string;
  value: string;
  onValue: (value: string) => void;
  hint?: ComponentChildren;
  error?: string | null;
};

export function TextArea({ label, value, onValue, hint, error, ...rest }: TextAreaProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error ?? null}>
      {(id, describedBy) => (
        <textarea {...rest} id={id} class="ui-input ui-input--multiline" value={value}
                  aria-invalid={error ? 'true' : undefined} aria-describedby={describedBy}
                  onInput={(e) => onValue(e.currentTarget.value)} />
      )}
    </FieldFrame>
  );
}

type SelectProps = Omit<JSX.SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange' | 'label'> & {
  label: string;
  value: string;
  onValue: (value: string) => void;
  options: { value: string; label: string }[];
  hint?: ComponentChildren;
  error?: string | null;
};

export function Select({ label, value, onValue, options, hint, error, ...rest }: SelectProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error ?? null}>
      {(id, describedBy) => (
        <select {...rest} id={id} class="ui-input" value={value} aria-describedby={describedBy}
                aria-invalid={error ? 'true' : undefined}
                onChange={(e) => onValue(e.currentTarget.value)}>
          {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      )}
    </FieldFrame>
  );
}

type CheckboxGroupProps = {
  legend: string;
  options: { value: string; label: string }[];
  value: string[];
  onValue: (value: string[]) => void;
  hint?: ComponentChildren;
  error?: string | null;
  name?: string;
};

// A set of choices as a box each, under a legend (a fieldset, so a screen reader names the
// group). The value keeps the options' order, whatever order they were ticked in.
export function CheckboxGroup({ legend, options, value, onValue, hint, error, name }: CheckboxGroupProps) {
  const id = useId();
  const chosen = new Set(value);
  const toggle = (option: string, on: boolean) => {
    if (on) chosen.add(option);
    else chosen.delete(option);
    onValue(options.map((o) => o.value).filter((o) => chosen.has(o)));
  };
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <fieldset class={`ui-checks${error ? ' ui-field--invalid' : ''}`}>
      <legend class="ui-field__label">{legend}</legend>
      {options.map((o) => (
        <label key={o.value} class="ui-checks__option">
          <input type="checkbox" name={name} value={o.value} checked={chosen.has(o.value)}
                 aria-invalid={error ? 'true' : undefined} aria-describedby={described}
                 onChange={(e) => toggle(o.value, e.currentTarget.checked)} /> {o.label}
        </label>
      ))}
      {hint && <p class="ui-field__hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p class="ui-field__error" id={`${id}-error`}>{error}</p>}
    </fieldset>
  );
}
