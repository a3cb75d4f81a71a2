// The Developer Console's entry: the theme first (before anything paints), then the app in
// place of the HTML shell's boot text.
import { render } from 'preact';
import { App } from './app';
import { applyInitialTheme } from './theme';
import './styles.css';

applyInitialTheme();
const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
