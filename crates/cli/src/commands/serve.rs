use std::net::SocketAddr;

use clap::Args;
use groundgame_app::App;
use groundgame_web::{AppState, WebSettings};

use super::open_app;
use crate::config::Settings;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "GROUNDGAME_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Mark session cookies Secure and send Strict-Transport-Security: set this when groundgame
    /// is served over HTTPS (behind a TLS-terminating proxy).
    #[arg(long, env = "GROUNDGAME_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

pub async fn run(args: ServeArgs, settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    serve(app, &args).await
}

/// Serves the web app until SIGTERM or Ctrl-C.
pub async fn serve(app: App, args: &ServeArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.bind).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {}: {e} (is another server running there? choose another with --bind)", args.bind)
    })?;
    let address = listener.local_addr()?;
    println!("groundgame is serving on http://{address}/ (Ctrl-C to stop)");
    tracing::info!(%address, "serving");
    let store = app.store.clone();
    let web = WebSettings { secure_cookies: args.secure_cookies, ..WebSettings::default() };
    groundgame_web::serve(AppState::new(app, web), listener, std::future::pending()).await?;
    store.close().await;
    println!("Stopped.");
    Ok(())
}
