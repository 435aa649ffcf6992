/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { Layout } from "./layout.tsx";

const modeText = {
  open: "Anyone can sign up.",
  approval: "Anyone can ask to join; a moderator approves each sign-up.",
  invite: "Joining needs an invite from a member.",
  closed: "Sign-ups are closed.",
} as const;

export function AboutPage(props: {
  ctx: PageContext;
  name: string;
  description: string;
  members: number;
  mode: keyof typeof modeText;
  owner: string | null;
  handleDomain: string;
  version: string;
  moderated: { domain: string; severity: string; comment: string }[];
  rules: string[];
  contact: { username: string | null; email: string };
}) {
  const { contact } = props;
  return (
    <Layout title={`About ${props.name}`} ctx={props.ctx}>
      <section class="card" aria-labelledby="about-title">
        <h1 id="about-title" safe>{`About ${props.name}`}</h1>
        <p safe>{props.description}</p>
        <dl class="facts">
          <dt>Members</dt>
          <dd safe>{String(props.members)}</dd>
          <dt>Joining</dt>
          <dd>{modeText[props.mode]}</dd>
          {props.owner ? (
            <>
              <dt>Run by</dt>
              <dd>
                <a href={`/@${props.owner}`} safe>{`@${props.owner}@${props.handleDomain}`}</a>
              </dd>
            </>
          ) : (
            ""
          )}
          {contact.username || contact.email ? (
            <>
              <dt>Contact</dt>
              <dd>
                {contact.username ? (
                  <a href={`/@${contact.username}`} safe>{`@${contact.username}@${props.handleDomain}`}</a>
                ) : (
                  ""
                )}
                {contact.username && contact.email ? " · " : ""}
                {contact.email ? (
                  <a href={`mailto:${contact.email}`} safe>
                    {contact.email}
                  </a>
                ) : (
                  ""
                )}
              </dd>
            </>
          ) : (
            ""
          )}
          <dt>Software</dt>
          <dd safe>{`Skein ${props.version}`}</dd>
          <dt>Policies</dt>
          <dd>
            <a href="/privacy-policy">Privacy policy</a> · <a href="/terms">Terms of service</a>
          </dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="rules-title">
        <h2 id="rules-title">Rules</h2>
        {props.rules.length === 0 ? <p class="muted">The staff have not written down any rules yet.</p> : ""}
        <ol class="rules">
          {props.rules.map((rule) => (
            <li safe>{rule}</li>
          ))}
        </ol>
      </section>
      {props.moderated.length > 0 ? (
        <section class="card" aria-labelledby="moderated-title">
          <h2 id="moderated-title">Moderated servers</h2>
          <ul>
            {props.moderated.map((m) => (
              <li>
                <strong safe>{m.domain}</strong> <span safe>{`(${m.severity})${m.comment ? `: ${m.comment}` : ""}`}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : (
        ""
      )}
    </Layout>
  );
}
