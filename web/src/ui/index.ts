// The console's UI library: pages build from these (web/README.md lists them).
export { Badge, type Tone } from './badge';
export { Banner, ErrorBanner, type BannerTone } from './banner';
export { Button, type ButtonVariant } from './button';
export { ConfirmDialog, Dialog } from './dialog';
export { EmptyState } from './empty_state';
export { CheckboxGroup, Field, FieldFrame, Select, TextArea } from './field';
export { Spinner } from './spinner';
export { Table, type Column } from './table';
export { Time } from './time';
