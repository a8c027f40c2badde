//! The bundled example events (`webhook send --type`), and `--set path=value`.

use anyhow::{anyhow, bail, Context as _};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The catalog: provider → event type → example.
const CATALOG: &str = include_str!("events.json");

/// One example event: the headers that carry its type or id, and the body.
#[derive(Debug, Deserialize)]
pub(crate) struct Example {
    /// Headers the provider sends with it (`X-GitHub-Event`, `X-Shopify-Topic`, ...).
    #[serde(default)]
    pub(crate) headers: Map<String, Value>,
    /// The JSON body.
    pub(crate) body: Value,
}

impl Example {
    /// The example of `provider`'s `kind` event; an unknown one is an error listing those
    /// there are.
    pub(crate) fn find(provider: &str, kind: &str) -> anyhow::Result<Self> {
        let mut catalog: Map<String, Value> = serde_json::from_str(CATALOG)?;
        let providers: Vec<String> = catalog.keys().cloned().collect();
        let Some(Value::Object(mut events)) = catalog.remove(catalog_name(provider)) else {
            bail!(
                "no example events for {provider}; there are some for: {}",
                providers.join(", ")
            );
        };
        let types: Vec<String> = events.keys().cloned().collect();
        let example = events.remove(kind).ok_or_else(|| {
            anyhow!(
                "{provider} has no example event {kind:?}; it has: {}",
                types.join(", ")
            )
        })?;
        Ok(serde_json::from_value(example)?)
    }

    /// Sets each `path=value` in the body; the value is JSON where it parses as JSON, else
    /// a string.
    pub(crate) fn set_all(&mut self, assignments: &[String]) -> anyhow::Result<()> {
        for assignment in assignments {
            let (path, value) = assignment
                .split_once('=')
                .with_context(|| format!("--set {assignment:?} is not path=value"))?;
            let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.into()));
            set_path(&mut self.body, path, value)
                .with_context(|| format!("--set {assignment:?}"))?;
        }
        Ok(())
    }

    /// The headers as name-value pairs.
    pub(crate) fn header_pairs(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(name, value)| {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                (name.clone(), text)
            })
            .collect()
    }
}

/// The catalog's name for a provider's events: the Standard Webhooks senders share theirs.
fn catalog_name(provider: &str) -> &str {
    match provider {
        "standard_ed25519" => "standard",
        other => other,
    }
}

/// Sets the field at the dotted `path` (a number indexes an array), creating objects on
/// the way.
fn set_path(root: &mut Value, path: &str, value: Value) -> anyhow::Result<()> {
    let mut target = root;
    for part in path.split('.') {
        target = match target {
            Value::Array(items) => {
                let index: usize = part
                    .parse()
                    .with_context(|| format!("{part:?} indexes an array: give a number"))?;
                let len = items.len();
                items
                    .get_mut(index)
                    .with_context(|| format!("index {index} is past the array's {len} items"))?
            }
            Value::Object(fields) => fields.entry(part).or_insert(Value::Null),
            other @ Value::Null => {
                *other = Value::Object(Map::new());
                other
                    .as_object_mut()
                    .expect("just made")
                    .entry(part)
                    .or_insert(Value::Null)
            }
            _ => bail!("{part:?} is below a value that is neither an object nor an array"),
        };
    }
    *target = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_changes_nested_fields_and_array_items() {
        let mut example = Example::find("stripe", "charge.succeeded").unwrap();
        let sets = [
            "data.object.amount=4200".to_owned(),
            "id=evt_test".to_owned(),
            "data.object.new.field=\"x\"".to_owned(),
        ];
        example.set_all(&sets).unwrap();
        assert_eq!(example.body["data"]["object"]["amount"], 4200);
        assert_eq!(example.body["id"], "evt_test");
        assert_eq!(example.body["data"]["object"]["new"]["field"], "x");
        let mut push = Example::find("github", "push").unwrap();
        push.set_all(&["commits.0.message=Fix".to_owned()]).unwrap();
        assert_eq!(push.body["commits"][0]["message"], "Fix");
        assert!(push.set_all(&["commits.9.message=x".to_owned()]).is_err());
        assert!(push.set_all(&["ref.x=1".to_owned()]).is_err());
    }

    #[test]
    fn an_unknown_type_lists_the_known_ones() {
        let error = Example::find("github", "pushh").unwrap_err().to_string();
        assert!(
            error.contains("push") && error.contains("pull_request"),
            "{error}"
        );
    }
}
