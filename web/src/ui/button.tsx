import type { ComponentChildren, JSX } from 'preact';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';

type ButtonProps = JSX.ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: ButtonVariant;
  // While busy the button is disabled and says so to screen readers (aria-busy).
  busy?: boolean;
  type?: 'button' | 'submit' | 'reset';
  disabled?: boolean;
  children?: ComponentChildren;
};

// A button; `type` defaults to "button" so one inside a form submits only when asked to.
export function Button({ variant = 'secondary', busy = false, type = 'button', disabled, class: cls,
                         children, ...rest }: ButtonProps) {
  return (
    <button {...rest} type={type} class={`ui-button ui-button--${variant}${cls ? ` ${cls}` : ''}`}
            disabled={disabled || busy} aria-busy={busy ? 'true' : undefined}>
      {children}
    </button>
  );
}
