//! `[alerts]`: when a wait or a queue's service level is drawn as a warning
//! or as critical, and whether the bell rings. `[alerts.queues.NAME]`
//! overrides any of the four thresholds for one queue (by its name or id).

use crate::app::alerts::{Alerts, DEFAULT_THRESHOLDS, Thresholds};
use serde::Deserialize;
use std::collections::BTreeMap;

/// `[alerts]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// Seconds of waiting that make a conversation a warning (0: off).
    pub warn_wait_secs: u32,
    /// Seconds of waiting that make a conversation critical (0: off).
    pub critical_wait_secs: u32,
    /// A conversation answered within this counts for the service level.
    pub sla_secs: u32,
    /// The service level aimed for, in percent.
    pub sla_target_pct: u8,
    /// Ring the terminal bell once for each new breach.
    pub bell: bool,
    /// Per-queue overrides, keyed by the queue's name or id.
    pub queues: BTreeMap<String, QueueAlertsConfig>,
}

/// `[alerts.queues.NAME]`: what it leaves out comes from `[alerts]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueAlertsConfig {
    pub warn_wait_secs: Option<u32>,
    pub critical_wait_secs: Option<u32>,
    pub sla_secs: Option<u32>,
    pub sla_target_pct: Option<u8>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            warn_wait_secs: DEFAULT_THRESHOLDS.warn_wait_secs,
            critical_wait_secs: DEFAULT_THRESHOLDS.critical_wait_secs,
            sla_secs: DEFAULT_THRESHOLDS.sla_secs,
            sla_target_pct: DEFAULT_THRESHOLDS.sla_target_pct,
            bell: false,
            queues: BTreeMap::new(),
        }
    }
}

impl AlertsConfig {
    fn defaults(&self) -> Thresholds {
        Thresholds {
            warn_wait_secs: self.warn_wait_secs,
            critical_wait_secs: self.critical_wait_secs,
            sla_secs: self.sla_secs,
            sla_target_pct: self.sla_target_pct,
        }
    }

    /// The thresholds of every queue, overrides filled from the defaults.
    pub fn alerts(&self) -> Alerts {
        let default = self.defaults();
        let queues = self
            .queues
            .iter()
            .map(|(name, q)| (name.clone(), q.thresholds(&default)))
            .collect();
        Alerts {
            default,
            bell: self.bell,
            queues,
        }
    }

    /// What is wrong with the thresholds: (key path below `alerts`, problem).
    pub(super) fn problems(&self) -> Vec<(Vec<String>, String)> {
        let mut out = Vec::new();
        let default = self.defaults();
        check(&default, Vec::new(), &mut out);
        for (name, q) in &self.queues {
            check(
                &q.thresholds(&default),
                vec!["queues".to_string(), name.clone()],
                &mut out,
            );
        }
        out
    }
}

impl QueueAlertsConfig {
    fn thresholds(&self, default: &Thresholds) -> Thresholds {
        Thresholds {
            warn_wait_secs: self.warn_wait_secs.unwrap_or(default.warn_wait_secs),
            critical_wait_secs: self
                .critical_wait_secs
                .unwrap_or(default.critical_wait_secs),
            sla_secs: self.sla_secs.unwrap_or(default.sla_secs),
            sla_target_pct: self.sla_target_pct.unwrap_or(default.sla_target_pct),
        }
    }
}

fn check(t: &Thresholds, at: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    let path = |key: &str| {
        let mut p = at.clone();
        p.push(key.to_string());
        p
    };
    if t.warn_wait_secs > 0 && t.critical_wait_secs > 0 && t.warn_wait_secs >= t.critical_wait_secs
    {
        out.push((
            path("critical_wait_secs"),
            format!(
                "must be above warn_wait_secs ({}), or the warning would never show",
                t.warn_wait_secs
            ),
        ));
    }
    if t.sla_secs == 0 {
        out.push((path("sla_secs"), "must be at least 1".to_string()));
    }
    if t.sla_target_pct > 100 {
        out.push((
            path("sla_target_pct"),
            "is a percentage: 0 to 100".to_string(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_cores_defaults_and_valid() {
        let a = AlertsConfig::default();
        assert_eq!(a.alerts().default, DEFAULT_THRESHOLDS);
        assert!(!a.bell);
        assert!(a.problems().is_empty());
    }

    #[test]
    fn a_queue_override_takes_what_it_leaves_out_from_the_defaults() {
        let a: AlertsConfig = toml::from_str(
            "warn_wait_secs = 30\ncritical_wait_secs = 90\n[queues.Billing]\ncritical_wait_secs = 45\n",
        )
        .unwrap();
        let alerts = a.alerts();
        let billing = alerts.for_queue("q-1", "Billing");
        assert_eq!(
            (billing.warn_wait_secs, billing.critical_wait_secs),
            (30, 45)
        );
        assert_eq!(alerts.for_queue("q-2", "Support").critical_wait_secs, 90);
    }

    #[test]
    fn thresholds_out_of_order_are_problems_with_their_key() {
        let a: AlertsConfig =
            toml::from_str("sla_target_pct = 120\n[queues.Billing]\nwarn_wait_secs = 200\n")
                .unwrap();
        let p = a.problems();
        assert!(p.iter().any(|(k, _)| k == &["sla_target_pct"]), "{p:?}");
        assert!(
            p.iter()
                .any(|(k, m)| k == &["queues", "Billing", "critical_wait_secs"]
                    && m.contains("above warn_wait_secs (200)")),
            "{p:?}"
        );
    }
}
