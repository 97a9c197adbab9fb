//! Posts an organiser publishes for supporters to share (text, an image, a link), and the origins
//! allowed to frame the campaign's embeddable sign-up page.

use serde::Serialize;

use crate::args;
use crate::campaigns::Campaign;
use crate::db::Tx;
use crate::error::Result;

/// A post without its image's bytes.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Post {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub link_url: Option<String>,
    /// The image's media type, when it has one.
    pub image_type: Option<String>,
    pub published_at: String,
    pub withdrawn_at: Option<String>,
}

const POST: &str = "id, title, body, link_url, image_type, published_at, withdrawn_at";

/// A new post.
pub struct NewPost<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub link_url: Option<&'a str>,
    pub image: Option<(&'a [u8], &'a str)>,
    pub published_by: Option<i64>,
    pub now: &'a str,
}

pub async fn publish(tx: &mut Tx, campaign: &Campaign, p: NewPost<'_>) -> Result<i64> {
    let id = crate::campaigns::next_row_id(tx, campaign).await?;
    tx.execute(
        "INSERT INTO posts (campaign_id, id, title, body, link_url, published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![campaign.id, id, p.title, p.body, p.link_url, p.now, p.published_by],
    )
    .await?;
    if let Some((bytes, kind)) = p.image {
        tx.execute(
            "UPDATE posts SET image = $1, image_type = $2 WHERE campaign_id = $3 AND id = $4",
            args![bytes.to_vec(), kind, campaign.id, id],
        )
        .await?;
    }
    Ok(id)
}

/// The campaign's posts, newest first; withdrawn ones only when asked for.
pub async fn list(tx: &mut Tx, campaign: &Campaign, with_withdrawn: bool) -> Result<Vec<Post>> {
    tx.fetch_all(
        &format!(
            "SELECT {POST} FROM posts WHERE campaign_id = $1 AND ($2 OR withdrawn_at IS NULL) ORDER BY published_at DESC, id DESC LIMIT 200"
        ),
        args![campaign.id, with_withdrawn],
    )
    .await
}

pub async fn get(tx: &mut Tx, campaign: &Campaign, id: i64) -> Result<Option<Post>> {
    tx.fetch_optional(&format!("SELECT {POST} FROM posts WHERE campaign_id = $1 AND id = $2"), args![campaign.id, id]).await
}

/// A post's image and its media type.
pub async fn image(tx: &mut Tx, campaign: &Campaign, id: i64) -> Result<Option<(Vec<u8>, String)>> {
    let row: Option<(Option<Vec<u8>>, Option<String>)> = tx
        .fetch_optional(
            "SELECT image, image_type FROM posts WHERE campaign_id = $1 AND id = $2 AND withdrawn_at IS NULL",
            args![campaign.id, id],
        )
        .await?;
    Ok(row.and_then(|(b, t)| Some((b?, t?))))
}

/// Withdraws a post: its page and image go; its share links lead to the sign-up page.
pub async fn withdraw(tx: &mut Tx, campaign: &Campaign, id: i64, now: &str) -> Result<bool> {
    let n = tx
        .execute(
            "UPDATE posts SET withdrawn_at = $1 WHERE campaign_id = $2 AND id = $3 AND withdrawn_at IS NULL",
            args![now, campaign.id, id],
        )
        .await?;
    Ok(n == 1)
}

/// The origins allowed to frame the embeddable sign-up page, one per line.
pub async fn embed_origins(tx: &mut Tx, campaign: &Campaign) -> Result<String> {
    let (o,): (String,) = tx.fetch_one("SELECT embed_origins FROM campaigns WHERE id = $1", args![campaign.id]).await?;
    Ok(o)
}

pub async fn set_embed_origins(tx: &mut Tx, campaign: &Campaign, origins: &str) -> Result<()> {
    tx.execute("UPDATE campaigns SET embed_origins = $1 WHERE id = $2", args![origins, campaign.id]).await?;
    Ok(())
}
