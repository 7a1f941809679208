//! The cost-matrix instance every model reads: weighted demand points, candidate sites (some
//! fixed open) and the sparse travel times between them. Pairs not listed are unreachable.

use crate::PlanError;
use measure::Seconds;
use std::collections::HashSet;

/// A place that should be reached: a grid cell, a key place, a past call's location.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandPoint {
    pub id: String,
    /// How much the point matters (calls per year, people, a key place's weight); never negative.
    pub weight: f64,
}

/// A place where a workstation could stand.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateSite {
    pub id: String,
    /// An existing station: always open and counted toward `p`.
    pub fixed: bool,
}

/// Travel time from a site to a demand point, by index into the instance's lists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Travel {
    pub demand: usize,
    pub site: usize,
    pub seconds: Seconds,
}

/// A compressed sparse list of (index, seconds) per row.
#[derive(Debug, Clone, Default)]
pub(crate) struct SparseRows {
    offsets: Vec<usize>,
    index: Vec<u32>,
    seconds: Vec<f64>,
}

impl SparseRows {
    fn build(n_rows: usize, mut entries: Vec<(u32, u32, f64)>, by_time: bool) -> Self {
        if by_time {
            entries.sort_unstable_by(|a, b| {
                a.0.cmp(&b.0).then(a.2.total_cmp(&b.2)).then(a.1.cmp(&b.1))
            });
        } else {
            entries.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        }
        let mut offsets = vec![0usize; n_rows + 1];
        for entry in &entries {
            offsets[entry.0 as usize + 1] += 1;
        }
        for row in 0..n_rows {
            offsets[row + 1] += offsets[row];
        }
        SparseRows {
            offsets,
            index: entries.iter().map(|entry| entry.1).collect(),
            seconds: entries.iter().map(|entry| entry.2).collect(),
        }
    }

    pub(crate) fn row(&self, row: usize) -> (&[u32], &[f64]) {
        let range = self.offsets[row]..self.offsets[row + 1];
        (&self.index[range.clone()], &self.seconds[range])
    }

    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }
}

/// A siting problem stripped to what any solver needs.
#[derive(Debug, Clone)]
pub struct Instance {
    demand: Vec<DemandPoint>,
    sites: Vec<CandidateSite>,
    /// Per demand point: reachable sites, nearest first.
    by_demand: SparseRows,
    /// Per site: reachable demand points, by demand index.
    by_site: SparseRows,
}

impl Instance {
    /// Checks and indexes an instance. Errors name the offending demand point or site.
    pub fn new(
        demand: Vec<DemandPoint>,
        sites: Vec<CandidateSite>,
        travel: Vec<Travel>,
    ) -> Result<Self, PlanError> {
        let mut seen = HashSet::new();
        for point in &demand {
            if !(point.weight.is_finite() && point.weight >= 0.0) {
                return Err(PlanError::BadWeight {
                    demand: point.id.clone(),
                    weight: point.weight,
                });
            }
            if !seen.insert(point.id.as_str()) {
                return Err(PlanError::DuplicateId {
                    kind: "demand point",
                    id: point.id.clone(),
                });
            }
        }
        seen.clear();
        for site in &sites {
            if !seen.insert(site.id.as_str()) {
                return Err(PlanError::DuplicateId {
                    kind: "site",
                    id: site.id.clone(),
                });
            }
        }
        if demand.len() > u32::MAX as usize || sites.len() > u32::MAX as usize {
            return Err(PlanError::TooLarge {
                n_demand: demand.len(),
                n_sites: sites.len(),
            });
        }
        let mut entries = Vec::with_capacity(travel.len());
        for pair in &travel {
            if pair.demand >= demand.len() {
                return Err(PlanError::UnknownIndex {
                    kind: "demand point",
                    index: pair.demand,
                    count: demand.len(),
                });
            }
            if pair.site >= sites.len() {
                return Err(PlanError::UnknownIndex {
                    kind: "site",
                    index: pair.site,
                    count: sites.len(),
                });
            }
            if !(pair.seconds.0.is_finite() && pair.seconds.0 >= 0.0) {
                return Err(PlanError::BadTime {
                    demand: demand[pair.demand].id.clone(),
                    site: sites[pair.site].id.clone(),
                    seconds: pair.seconds.0,
                });
            }
            entries.push((pair.demand as u32, pair.site as u32, pair.seconds.0));
        }
        let by_site = SparseRows::build(
            sites.len(),
            entries.iter().map(|&(d, s, t)| (s, d, t)).collect(),
            false,
        );
        for (index, site) in sites.iter().enumerate() {
            let (points, _) = by_site.row(index);
            if let Some(window) = points.windows(2).find(|window| window[0] == window[1]) {
                return Err(PlanError::DuplicatePair {
                    demand: demand[window[0] as usize].id.clone(),
                    site: site.id.clone(),
                });
            }
        }
        let by_demand = SparseRows::build(demand.len(), entries, true);
        Ok(Instance {
            demand,
            sites,
            by_demand,
            by_site,
        })
    }

    pub fn demand(&self) -> &[DemandPoint] {
        &self.demand
    }

    pub fn sites(&self) -> &[CandidateSite] {
        &self.sites
    }

    /// Number of listed (reachable) demand-site pairs.
    pub fn n_pairs(&self) -> usize {
        self.by_demand.len()
    }

    pub fn total_weight(&self) -> f64 {
        self.demand.iter().map(|point| point.weight).sum()
    }

    /// Sites that reach `demand`, nearest first, as (site index, seconds).
    pub fn sites_reaching(&self, demand: usize) -> (&[u32], &[f64]) {
        self.by_demand.row(demand)
    }

    /// Demand points that `site` reaches, by ascending demand index, as (demand index, seconds).
    pub fn demand_reached_by(&self, site: usize) -> (&[u32], &[f64]) {
        self.by_site.row(site)
    }

    /// Travel time from `site` to `demand`; `None` when the pair is unreachable.
    pub fn seconds(&self, demand: usize, site: usize) -> Option<Seconds> {
        let (points, seconds) = self.by_site.row(site);
        points
            .binary_search(&(demand as u32))
            .ok()
            .map(|position| Seconds(seconds[position]))
    }

    pub fn fixed_flags(&self) -> Vec<bool> {
        self.sites.iter().map(|site| site.fixed).collect()
    }

    pub fn site_index(&self, id: &str) -> Option<usize> {
        self.sites.iter().position(|site| site.id == id)
    }
}
