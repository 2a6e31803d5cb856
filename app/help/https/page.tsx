// Where the panel's "Notifications need HTTPS" sentence leads: served by Chadburn itself, so it
// opens on any machine of the lab's network, with or without the internet. The whole story is in
// docs/deploy.md (HTTPS); this is its short form.
import type { Metadata } from "next";
import Frame from "../../../components/Frame";
import styles from "../../../components/Pages.module.css";

export const metadata: Metadata = { title: "Serving the panel over HTTPS — Chadburn" };

export default function Page() {
  return (
    <Frame title="Serving the panel over HTTPS">
      <p>
        Browsers give notifications, vibration and Web Push only to pages served over HTTPS (or from the machine itself, as <code>localhost</code>). A
        panel opened as <code>http://lab-pc:1873</code> goes without them. Whoever runs Chadburn can give it HTTPS in one of three ways:
      </p>
      <section className={styles.card} aria-labelledby="proxy">
        <h2 id="proxy">A reverse proxy with automatic HTTPS</h2>
        <p>
          Caddy in front of Chadburn gets and renews the certificate by itself: from Let&apos;s Encrypt for a public name, or on a LAN from its own
          certificate authority (<code>tls internal</code>), whose root the machines that open the panel then trust. Start Chadburn with{" "}
          <code>--host 127.0.0.1 --trust-proxy loopback</code> behind it.
        </p>
      </section>
      <section className={styles.card} aria-labelledby="ca">
        <h2 id="ca">A local certificate authority</h2>
        <p>
          Your organisation&apos;s CA (ask IT for a certificate for the panel&apos;s name), or one of your own made with mkcert:{" "}
          <code>mkcert -install</code>, then <code>mkcert lab-pc.lan 192.168.1.20</code>. Every machine and phone that opens the panel must trust that
          CA; Chadburn (below) or a proxy serves the certificate.
        </p>
      </section>
      <section className={styles.card} aria-labelledby="tls">
        <h2 id="tls">Chadburn serves HTTPS itself</h2>
        <p>
          With the certificate and its key: <code>--tls-cert cert.pem --tls-key key.pem</code> (or <code>CHADBURN_TLS_CERT</code> and{" "}
          <code>CHADBURN_TLS_KEY</code>). The panel is then at <code>https://</code> on the same port.
        </p>
      </section>
      <p className={styles.muted}>
        The details, with nginx and Caddy configurations: <code>docs/deploy.md</code>, section HTTPS, in Chadburn&apos;s folder.
      </p>
    </Frame>
  );
}
