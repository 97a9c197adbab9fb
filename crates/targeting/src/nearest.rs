use std::collections::HashMap;

use groundgame_core::geography::{constituencies, LatLon};
use groundgame_core::results::{Boundaries, Election, Party};
use serde::Serialize;

use crate::marginality::{standing, Standing};

/// Great-circle distance in kilometres.
pub fn distance_km(a: LatLon, b: LatLon) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let (dla, dlo) = ((b.lat - a.lat).to_radians(), (b.lon - a.lon).to_radians());
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6_371.0 * h.sqrt().asin()
}

/// Where each seat is (its centroid). Only the 2010-2019 boundaries have bundled locations.
pub fn seat_locations(boundaries: Boundaries) -> Result<HashMap<String, LatLon>, groundgame_core::Invalid> {
    match boundaries {
        Boundaries::Pcon2010 => {
            Ok(constituencies().into_iter().map(|c| (c.gss.as_str().to_owned(), LatLon { lat: c.lat, lon: c.lon })).collect())
        }
        Boundaries::Pcon2024 => {
            Err("seat locations are bundled for the 2010-2019 boundaries only: use --election 2010, 2015, 2017 or 2019".into())
        }
    }
}

/// How far a groundgame campaign in a seat is from its targets, 0 (nothing done) to 1 (there).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignProgress {
    pub campaign: String,
    /// Supporters identified against the win number.
    pub supporters_found: f64,
    /// Walks with a canvasser assigned against walks planned.
    pub volunteers: f64,
    /// Canvassing sessions still to come.
    pub sessions: Vec<UpcomingSession>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpcomingSession {
    /// The session's id in its campaign: its public page is /join/{campaign}/{id}.
    pub id: i64,
    pub name: String,
    pub starts_at: String,
    pub meeting_point: String,
}

/// Whether the party would gain the seat or has to hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Gain,
    Hold,
}

/// A marginal seat within reach.
#[derive(Debug, Clone, Serialize)]
pub struct Nearby {
    #[serde(flatten)]
    pub seat: Standing,
    pub kind: Kind,
    pub distance_km: f64,
    /// The seat's value to the party, 0 to 1: closeness times how far its campaign has to go.
    pub need: f64,
    pub campaign: Option<CampaignProgress>,
}

/// What to look for.
#[derive(Debug, Clone)]
pub struct Reach {
    pub within_km: f64,
    /// Seats needing a bigger swing than this (points) are not marginal.
    pub max_swing: f64,
}

impl Default for Reach {
    fn default() -> Self {
        Reach { within_km: 50.0, max_swing: 10.0 }
    }
}

/// A seat's need: closeness (1 for a dead heat, 0 at the largest swing counted) times how much of
/// its campaign is still to do (half for closeness alone, half for the campaign's gap; a seat with
/// no campaign yet has everything to do).
pub fn need(swing_needed: f64, max_swing: f64, progress: Option<&CampaignProgress>) -> f64 {
    let closeness = (1.0 - swing_needed / max_swing).clamp(0.0, 1.0);
    let gap = progress.map_or(1.0, |p| 1.0 - (p.supporters_found.clamp(0.0, 1.0) + p.volunteers.clamp(0.0, 1.0)) / 2.0);
    ((closeness * (0.5 + 0.5 * gap)) * 1000.0).round() / 1000.0
}

/// A marginal seat of a party: where it is and how much it needs the party's volunteers.
#[derive(Debug, Clone)]
pub struct Marginal {
    pub seat: Standing,
    pub kind: Kind,
    pub at: LatLon,
    pub need: f64,
    pub campaign: Option<CampaignProgress>,
}

/// The party's marginal seats, to gain or to hold: those needing a swing of at most `max_swing`
/// points, with their location and need. The one definition `nearest` and deployment share.
pub fn marginals(
    election: &Election,
    party: Party,
    max_swing: f64,
    progress: &HashMap<String, CampaignProgress>,
) -> Result<Vec<Marginal>, groundgame_core::Invalid> {
    let locations = seat_locations(election.boundaries)?;
    Ok(election
        .seats
        .iter()
        .filter_map(|seat| {
            let at = *locations.get(&seat.gss)?;
            let s = standing(seat, party)?;
            if s.swing_needed > max_swing {
                return None;
            }
            let campaign = progress.get(&seat.gss).cloned();
            Some(Marginal {
                kind: if s.holder.family() == party.family() { Kind::Hold } else { Kind::Gain },
                need: need(s.swing_needed, max_swing, campaign.as_ref()),
                at,
                seat: s,
                campaign,
            })
        })
        .collect())
}

/// The party's marginal seats within reach of `from`, the most needed first.
pub fn nearest(
    election: &Election,
    party: Party,
    from: LatLon,
    reach: &Reach,
    progress: &HashMap<String, CampaignProgress>,
) -> Result<Vec<Nearby>, groundgame_core::Invalid> {
    let mut out: Vec<Nearby> = marginals(election, party, reach.max_swing, progress)?
        .into_iter()
        .filter_map(|m| {
            let distance = distance_km(from, m.at);
            (distance <= reach.within_km).then(|| Nearby {
                seat: m.seat,
                kind: m.kind,
                distance_km: (distance * 10.0).round() / 10.0,
                need: m.need,
                campaign: m.campaign,
            })
        })
        .collect();
    out.sort_by(|a, b| b.need.total_cmp(&a.need).then(a.distance_km.total_cmp(&b.distance_km)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use groundgame_core::postcodes::demo_area;
    use groundgame_core::results::bundled_election;

    #[test]
    fn from_derby_in_2015_derby_north_comes_first() {
        let from = demo_area()["DE22 1AA"];
        let list = nearest(bundled_election(2015).unwrap(), Party::Lab, from, &Reach::default(), &HashMap::new()).unwrap();
        assert_eq!(list[0].seat.name, "Derby North");
        assert_eq!(list[0].kind, Kind::Gain);
        assert!(list[0].distance_km < 3.0);
        assert!(list.iter().all(|s| s.distance_km <= 50.0 && s.seat.swing_needed <= 10.0));
        assert!(list.iter().any(|s| s.kind == Kind::Hold), "Labour's own marginals are listed to defend");
        assert!(list.windows(2).all(|w| w[0].need >= w[1].need));
    }

    #[test]
    fn a_campaign_well_on_its_way_needs_less() {
        let progress = CampaignProgress { campaign: "x".into(), supporters_found: 1.0, volunteers: 1.0, sessions: vec![] };
        assert_eq!(need(1.0, 10.0, None), 0.9);
        assert_eq!(need(1.0, 10.0, Some(&progress)), 0.45);
        assert_eq!(need(12.0, 10.0, None), 0.0);
    }

    #[test]
    fn distances_are_great_circles() {
        let derby = LatLon { lat: 52.9225, lon: -1.4746 };
        let nottingham = LatLon { lat: 52.9548, lon: -1.1581 };
        assert!((distance_km(derby, nottingham) - 21.5).abs() < 0.5);
    }

    #[test]
    fn the_2024_boundaries_have_no_locations() {
        let err = nearest(bundled_election(2024).unwrap(), Party::Lab, demo_area()["DE22 1AA"], &Reach::default(), &HashMap::new());
        assert!(err.unwrap_err().contains("2010-2019 boundaries only"));
    }
}
