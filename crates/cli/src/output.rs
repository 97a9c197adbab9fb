//! How results and errors reach the terminal: the one place the command line turns a use case's
//! outcome into words.

use serde::Serialize;

/// Prints an error and its causes, and for a refused import the rows at fault.
pub fn print_error(e: &anyhow::Error) {
    let rows = match (e.downcast_ref::<groundgame_app::Error>(), e.downcast_ref::<groundgame_store::Error>()) {
        (Some(groundgame_app::Error::Rows { errors, total }), _) | (_, Some(groundgame_store::Error::Rows { errors, total })) => {
            Some((errors, *total))
        }
        _ => None,
    };
    if let Some((errors, total)) = rows {
        for row in errors {
            eprintln!("  {row}");
        }
        if total > errors.len() {
            eprintln!("  ... and {} more", total - errors.len());
        }
    }
    eprintln!("error: {e}");
    for cause in e.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}

pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
