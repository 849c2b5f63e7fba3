/**
 * Asks for a token when the server answered a read with 401: a server with tokens shows
 * nothing to a page without one. Any valid token reads (viewer, kernel or operator); it is
 * kept for this tab only (sessionStorage), so closing the tab forgets it.
 */
import { useState } from "preact/hooks";

interface Props {
  /** "refused": the page had a token and the server did not take it (mistyped, revoked). */
  reason: "needed" | "refused";
  onToken(token: string): void;
}

export function TokenPrompt({ reason, onToken }: Props) {
  const [value, setValue] = useState("");
  return (
    <section class="panel token-prompt" aria-labelledby="token-title" data-token-prompt={reason}>
      <header class="panel-head">
        <h2 id="token-title">This server needs a token</h2>
      </header>
      {reason === "refused" && (
        <p class="error" role="alert">
          The server refused that token: it is mistyped, revoked or not one of this server's.
        </p>
      )}
      <p>
        Reading needs a viewer, kernel or operator token; approving patches needs the operator's. The token is
        kept for this tab only.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim() !== "") onToken(value);
        }}
      >
        <label>
          token
          <input
            type="password"
            name="token"
            autocomplete="off"
            value={value}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Use this token</button>
      </form>
    </section>
  );
}
