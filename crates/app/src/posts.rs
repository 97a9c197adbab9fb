//! Share kits: posts an organiser publishes (text, an image, a link) for supporters to share, each
//! supporter with a personal short link per post; the campaign's Atom feed of sessions and posts
//! for the wider online ecology; and the origins allowed to frame the embeddable sign-up page.

use chrono::Utc;
use groundgame_store::campaigns::{self, Campaign};
use groundgame_store::db::time_text;
use groundgame_store::posts::{self as store, NewPost, Post};
use serde::Serialize;

use crate::{Actor, App, Error, Result};

/// The largest image a post may carry.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
const MAX_TITLE: usize = 120;
const MAX_BODY: usize = 2000;

/// A post as an organiser writes it.
#[derive(Debug, Clone, Default)]
pub struct PostForm {
    pub title: String,
    pub body: String,
    pub link_url: String,
    /// The image's bytes as uploaded.
    pub image: Option<Vec<u8>>,
}

/// The media type of an image from its first bytes: PNG, JPEG, GIF or WebP, nothing else (an
/// upload's name and stated type are not trusted).
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// A web address people may follow: http or https with a host.
fn check_link(s: &str) -> Result<Option<String>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(Some(u.to_string())),
        _ => Err(Error::Invalid(format!("the link '{s}' is not a web address (it begins https://)"))),
    }
}

pub async fn publish(app: &App, actor: Actor<'_>, form: &PostForm) -> Result<i64> {
    let title = form.title.trim();
    if title.is_empty() {
        return Err(Error::Invalid("a post needs a title".into()));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(Error::Invalid(format!("the title is longer than {MAX_TITLE} characters")));
    }
    let body = form.body.trim();
    if body.chars().count() > MAX_BODY {
        return Err(Error::Invalid(format!("the text is longer than {MAX_BODY} characters")));
    }
    let link = check_link(&form.link_url)?;
    let image = match form.image.as_deref().filter(|b| !b.is_empty()) {
        Some(b) if b.len() > MAX_IMAGE_BYTES => {
            return Err(Error::Invalid(format!("the image is {} KB: the most is {} KB", b.len() / 1024, MAX_IMAGE_BYTES / 1024)))
        }
        Some(b) => Some((b, image_type(b).ok_or_else(|| Error::Invalid("the image must be a PNG, JPEG, GIF or WebP picture".into()))?)),
        None => None,
    };
    if body.is_empty() && link.is_none() && image.is_none() {
        return Err(Error::Invalid("a post needs some text, a link or an image to share".into()));
    }
    let campaign = actor.campaign();
    let now = time_text(Utc::now());
    let mut tx = app.store.begin_write().await?;
    let id = store::publish(
        &mut tx,
        campaign,
        NewPost { title, body, link_url: link.as_deref(), image, published_by: actor.user_id(), now: &now },
    )
    .await?;
    actor.audit(&mut tx, "post_published", title, 0).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn list(app: &App, actor: Actor<'_>) -> Result<Vec<Post>> {
    let mut tx = app.store.begin().await?;
    let posts = store::list(&mut tx, actor.campaign(), true).await?;
    tx.commit().await?;
    Ok(posts)
}

pub async fn withdraw(app: &App, actor: Actor<'_>, id: i64) -> Result<()> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let post = store::get(&mut tx, campaign, id).await?.ok_or_else(|| Error::NotFound("there is no such post".into()))?;
    if store::withdraw(&mut tx, campaign, id, &time_text(Utc::now())).await? {
        actor.audit(&mut tx, "post_withdrawn", &post.title, 0).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn public_campaign(tx: &mut groundgame_store::Tx, ballot_id: &str) -> Result<Campaign> {
    campaigns::find(tx, ballot_id).await?.ok_or_else(|| Error::NotFound("there is no such campaign here".into()))
}

/// A post's public page.
pub async fn public_post(app: &App, ballot_id: &str, id: i64) -> Result<(Campaign, Post)> {
    let mut tx = app.store.begin().await?;
    let campaign = public_campaign(&mut tx, ballot_id).await?;
    let post = store::get(&mut tx, &campaign, id).await?.filter(|p| p.withdrawn_at.is_none());
    tx.commit().await?;
    Ok((campaign, post.ok_or_else(|| Error::NotFound("this post has been taken down or never was".into()))?))
}

pub async fn image(app: &App, ballot_id: &str, id: i64) -> Result<(Vec<u8>, String)> {
    let mut tx = app.store.begin().await?;
    let campaign = public_campaign(&mut tx, ballot_id).await?;
    let image = store::image(&mut tx, &campaign, id).await?;
    tx.commit().await?;
    image.ok_or_else(|| Error::NotFound("this post has no picture".into()))
}

/// The campaign's published posts, newest first, for supporters to share.
pub async fn published(tx: &mut groundgame_store::Tx, campaign: &Campaign) -> Result<Vec<Post>> {
    Ok(store::list(tx, campaign, false).await?)
}

/// The campaign's Atom feed (RFC 4287): its sessions still to come and its posts, newest first.
/// Links are absolute, from the server's public address.
pub async fn feed(app: &App, ballot_id: &str) -> Result<String> {
    use atom_syndication::{Entry, Feed, Link, Person, Text};
    let mut tx = app.store.begin().await?;
    let campaign = public_campaign(&mut tx, ballot_id).await?;
    let posts = store::list(&mut tx, &campaign, false).await?;
    let local_now = groundgame_core::time::uk_now().format("%Y-%m-%dT%H:%M").to_string();
    let slots = groundgame_store::volunteers::open_slots(&mut tx, Some(campaign.id), &local_now).await?;
    let sessions = groundgame_store::volunteers::sessions(&mut tx, &campaign).await?;
    tx.commit().await?;

    let link = |path: &str, rel: &str| Link { href: app.mail.link(path), rel: rel.into(), ..Default::default() };
    let stamp = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .unwrap_or_else(|_| chrono::DateTime::parse_from_rfc3339(&campaign.created_at).unwrap_or_default())
    };
    let mut entries = Vec::new();
    for p in &posts {
        let mut content = p.body.clone();
        if let Some(l) = &p.link_url {
            content.push_str(&format!("\n\n{l}"));
        }
        entries.push(Entry {
            id: app.mail.link(&format!("/join/{}/posts/{}", campaign.ballot_id, p.id)),
            title: Text::plain(p.title.clone()),
            updated: stamp(&p.published_at),
            published: Some(stamp(&p.published_at)),
            summary: Some(Text::plain(content)),
            links: vec![link(&format!("/join/{}/posts/{}", campaign.ballot_id, p.id), "alternate")],
            ..Default::default()
        });
    }
    let mut seen = std::collections::HashSet::new();
    for s in slots.iter().filter(|s| seen.insert(s.session_id)) {
        let changed = sessions.iter().find(|x| x.id == s.session_id);
        let when = crate::volunteers::describe_time(&s.starts_at, &s.ends_at);
        entries.push(Entry {
            id: app.mail.link(&format!("/join/{}/{}", campaign.ballot_id, s.session_id)),
            title: Text::plain(format!("{}: {when}", s.name)),
            updated: stamp(changed.and_then(|x| x.updated_at.as_deref()).unwrap_or(campaign.created_at.as_str())),
            summary: Some(Text::plain(format!("Canvassing {when}, meeting at {}. Sign up: no account needed.", s.meeting_point))),
            links: vec![link(&format!("/join/{}/{}", campaign.ballot_id, s.session_id), "alternate")],
            ..Default::default()
        });
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.updated));
    let updated = entries.first().map(|e| e.updated).unwrap_or_else(|| stamp(&campaign.created_at));
    let feed = Feed {
        id: app.mail.link(&format!("/join/{}", campaign.ballot_id)),
        title: Text::plain(format!("The {} campaign: sessions and posts", campaign.name)),
        updated,
        authors: vec![Person { name: campaign.name.clone(), ..Default::default() }],
        links: vec![
            link(&format!("/join/{}/feed.atom", campaign.ballot_id), "self"),
            link(&format!("/join/{}", campaign.ballot_id), "alternate"),
        ],
        entries,
        ..Default::default()
    };
    Ok(feed.to_string())
}

// ---- The embeddable sign-up page ----

/// Checks and normalises the origins allowed to frame the sign-up page: one per line or comma,
/// each `https://host` (or `http://localhost`-like for testing), with no path.
pub fn check_origins(text: &str) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for raw in text.split(|c: char| c == '\n' || c == ',' || c.is_whitespace()).map(str::trim).filter(|s| !s.is_empty()) {
        let bad = || Error::Invalid(format!("'{raw}' is not a site's address: write it as https://www.example.org"));
        let u = url::Url::parse(raw).map_err(|_| bad())?;
        let local = matches!(u.host_str(), Some("localhost" | "127.0.0.1"));
        if !(u.scheme() == "https" || u.scheme() == "http" && local) || u.host_str().is_none() {
            return Err(bad());
        }
        if u.path() != "/" || u.query().is_some() || u.fragment().is_some() || !u.username().is_empty() {
            return Err(Error::Invalid(format!("'{raw}': give just the site (https://www.example.org), no page")));
        }
        let origin = u.origin().ascii_serialization();
        if !out.contains(&origin) {
            out.push(origin);
        }
    }
    if out.len() > 20 {
        return Err(Error::Invalid("at most 20 sites may embed the sign-up page".into()));
    }
    Ok(out)
}

pub async fn embed_origins(app: &App, actor: Actor<'_>) -> Result<Vec<String>> {
    let mut tx = app.store.begin().await?;
    let o = store::embed_origins(&mut tx, actor.campaign()).await?;
    tx.commit().await?;
    Ok(o.lines().map(str::to_owned).collect())
}

pub async fn set_embed_origins(app: &App, actor: Actor<'_>, text: &str) -> Result<Vec<String>> {
    let origins = check_origins(text)?;
    let mut tx = app.store.begin_write().await?;
    store::set_embed_origins(&mut tx, actor.campaign(), &origins.join("\n")).await?;
    actor.audit(&mut tx, "embed_origins_set", &origins.join(" "), 0).await?;
    tx.commit().await?;
    Ok(origins)
}

/// The sites allowed to frame a campaign's sign-up page (none: no site may).
pub async fn framing_origins(app: &App, ballot_id: &str) -> Result<(Campaign, Vec<String>)> {
    let mut tx = app.store.begin().await?;
    let campaign = public_campaign(&mut tx, ballot_id).await?;
    let o = store::embed_origins(&mut tx, &campaign).await?;
    tx.commit().await?;
    Ok((campaign, o.lines().map(str::to_owned).collect()))
}

/// A post with a supporter's own share link to it.
#[derive(Debug, Clone, Serialize)]
pub struct SharedPost {
    pub post: Post,
    pub link: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_bytes() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_type(b"<svg onload=alert(1)>"), None, "no SVG: it can carry scripts");
    }

    #[test]
    fn origins_are_sites_not_pages() {
        assert_eq!(
            check_origins("https://www.example.org\nhttps://Labour.example:8443, https://www.example.org").unwrap(),
            vec!["https://www.example.org", "https://labour.example:8443"]
        );
        assert!(check_origins("http://example.org").is_err(), "plain http only for a local test site");
        assert_eq!(check_origins("http://localhost:3000").unwrap(), vec!["http://localhost:3000"]);
        assert!(check_origins("https://example.org/page").unwrap_err().to_string().contains("no page"));
        assert!(check_origins("javascript:alert(1)").is_err());
        assert!(check_origins("'self'; script-src *").is_err(), "nothing that would change the policy");
        assert_eq!(check_origins("  \n ").unwrap(), Vec::<String>::new());
    }
}
