/** Entry point: mounts the dashboard into index.html's #app. */
import { render } from "preact";
import { App } from "./app.js";
import "./styles/base.css";
import "./styles/graph.css";
import "./styles/charts.css";
import "./styles/review.css";
import "./styles/panels.css";
// Last: its media queries override the rules above.
import "./styles/narrow.css";

const root = document.getElementById("app");
if (root) render(<App />, root);
