//! The paging envelope the list endpoints share (`skip` or `page`).

use super::lenient::{loose_bool, opt_loose_i64};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// The paging envelope shared by the list endpoints (`skip` or `page`).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
    #[serde(default, deserialize_with = "opt_loose_i64")]
    pub skip: Option<i64>,
    #[serde(default, deserialize_with = "opt_loose_i64")]
    pub page: Option<i64>,
    #[serde(default, deserialize_with = "opt_loose_i64")]
    pub limit: Option<i64>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub has_more: bool,
    #[serde(default, deserialize_with = "opt_loose_i64")]
    pub total_pages: Option<i64>,
    #[serde(default, deserialize_with = "opt_loose_i64")]
    pub total_results: Option<i64>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            results: Vec::new(),
            skip: None,
            page: None,
            limit: None,
            has_more: false,
            total_pages: None,
            total_results: None,
        }
    }
}
