use std::net::SocketAddr;

use clap::Args;
use groundgame_app::App;
use groundgame_web::AppState;

use super::open_app;
use crate::config::Settings;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on. Also GROUNDGAME_BIND, or `bind` in the settings file's
    /// [server]. [default: 127.0.0.1:8080]
    #[arg(long)]
    pub bind: Option<SocketAddr>,
    /// Mark session cookies Secure and send Strict-Transport-Security: set this when groundgame
    /// is served over HTTPS (behind a TLS-terminating proxy). Also GROUNDGAME_SECURE_COOKIES.
    #[arg(long)]
    pub secure_cookies: bool,
    /// The SMTP server mail is sent through: smtp://HOST:PORT (smtps:// for TLS, with
    /// USER:PASSWORD@ if it needs them). Also GROUNDGAME_SMTP_URL, or `smtp_url` in the settings
    /// file. Without it mail is off: it stays queued, and the pages say so.
    #[arg(long)]
    pub smtp_url: Option<String>,
    /// The From address of mail. Also GROUNDGAME_MAIL_FROM, or `mail_from`.
    #[arg(long)]
    pub mail_from: Option<String>,
    /// Where people reach the server, for the links in mail (https://campaign.example). Also
    /// GROUNDGAME_PUBLIC_URL, or `public_url` in [server]. [default: http:// and --bind]
    #[arg(long)]
    pub public_url: Option<String>,
}

pub async fn run(_: ServeArgs, settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    serve(app, settings).await
}

/// Serves the web app until SIGTERM or Ctrl-C.
pub async fn serve(app: App, settings: &Settings) -> anyhow::Result<()> {
    let bind = settings.bind;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e} (is another server running there? choose another with --bind)"))?;
    let address = listener.local_addr()?;
    println!("groundgame is serving on http://{address}/ (Ctrl-C to stop)");
    match &settings.mail.smtp_url {
        Some(_) => println!("Mail is sent through the SMTP server set (smtp_url), from {}.", settings.mail.from),
        None => println!("Mail is off (no smtp_url): sign-up confirmations and reminders stay queued until one is set."),
    }
    match &settings.sms.base_url {
        Some(url) => println!("Texts are sent through the SMS provider at {url}, from {}.", settings.sms.from),
        None => println!("Texting is off (no sms.base_url): texts wait in the outbox until a provider is set."),
    }
    tracing::info!(%address, "serving");
    let store = app.store.clone();
    groundgame_web::serve(AppState::new(app, settings.web.clone()), listener, std::future::pending()).await?;
    store.close().await;
    println!("Stopped.");
    Ok(())
}
