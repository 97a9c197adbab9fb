//! What a walk is called and how long it takes: named after its main streets, timed at
//! door-knocking pace.

/// Seconds at each door (knock, wait, talk, note) at a typical canvassing pace.
pub const SECONDS_PER_DOOR: f64 = 90.0;
/// Walking speed between doors, metres a second.
pub const WALKING_SPEED: f64 = 1.2;

/// Estimated minutes for a walk of this length and number of doors.
pub fn minutes(distance_m: f64, doors: usize) -> i64 {
    ((distance_m / WALKING_SPEED + doors as f64 * SECONDS_PER_DOOR) / 60.0).ceil() as i64
}

/// The street of an address line list joined with ", ": the first part that starts with a house
/// number, less the number ("12A Duffield Road" gives "Duffield Rd"); else the first part that is
/// not a flat number.
pub fn street_of(address: &str) -> Option<String> {
    let parts: Vec<&str> = address.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    let numbered = parts.iter().find(|p| p.starts_with(|c: char| c.is_ascii_digit()));
    let street = match numbered {
        Some(p) => p.split_once(' ').map(|(_, rest)| rest.trim())?,
        None => {
            let p = parts.iter().find(|p| !p.to_ascii_lowercase().starts_with("flat"))?;
            p
        }
    };
    if street.is_empty() {
        return None;
    }
    Some(abbreviate(street))
}

fn abbreviate(street: &str) -> String {
    const SHORT: &[(&str, &str)] = &[
        ("Road", "Rd"),
        ("Street", "St"),
        ("Avenue", "Ave"),
        ("Crescent", "Cres"),
        ("Drive", "Dr"),
        ("Close", "Cl"),
        ("Lane", "Ln"),
        ("Gardens", "Gdns"),
        ("Terrace", "Ter"),
    ];
    match street.rsplit_once(' ') {
        Some((head, last)) => match SHORT.iter().find(|(long, _)| long.eq_ignore_ascii_case(last)) {
            Some((_, short)) => format!("{head} {short}"),
            None => street.to_owned(),
        },
        None => street.to_owned(),
    }
}

/// The one or two streets with the most doors, in the order the walk meets them:
/// "Duffield Rd / Belper Rd".
pub fn walk_streets<'a>(addresses: impl Iterator<Item = &'a str>) -> String {
    let mut counts: Vec<(String, usize, usize)> = Vec::new();
    for (i, a) in addresses.enumerate() {
        if let Some(s) = street_of(a) {
            match counts.iter_mut().find(|c| c.0 == s) {
                Some(c) => c.1 += 1,
                None => counts.push((s, 1, i)),
            }
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let mut top: Vec<&(String, usize, usize)> = counts.iter().take(2).collect();
    top.sort_by_key(|c| c.2);
    top.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streets_come_from_the_numbered_line() {
        assert_eq!(street_of("12 Duffield Road, Darley, Derby, DE22 1AA").as_deref(), Some("Duffield Rd"));
        assert_eq!(street_of("Flat 3 Oak Court, 40 Kedleston Road, Derby").as_deref(), Some("Kedleston Rd"));
        assert_eq!(street_of("Rose Cottage, 15 Mill Lane, Derby").as_deref(), Some("Mill Ln"));
        assert_eq!(street_of("The Old Forge, Derby").as_deref(), Some("The Old Forge"));
        let name = walk_streets(
            ["1 Belper Road, Derby", "2 Duffield Road, Derby", "4 Duffield Road, Derby", "3 Belper Road, Derby", "1 Mill Lane"].into_iter(),
        );
        assert_eq!(name, "Belper Rd / Duffield Rd");
        assert_eq!(minutes(1200.0, 40), 77);
    }
}
