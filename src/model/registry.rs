//! The live registry of app instances (SPEC.md "Instance registry").
//!
//! Keyed by `instanceId` (fallback: socket id). Each instance remembers its
//! LATEST connection; a `DISCONNECTED(socket)` marks gone only the instances
//! whose latest connection is that socket, so an app that reconnected before
//! its old socket's DISCONNECTED arrived stays live (the official monitor
//! deletes it: reduxjs/redux-devtools#1821).

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::relay::message::{Kind, Message};
use crate::time::rfc3339_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Live,
    Stopped,
    Gone,
    /// Not heard live: named by the server's stored reports (`sessions --reports`).
    Reported,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Stopped => "stopped",
            Status::Gone => "gone",
            Status::Reported => "reported",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub(crate) id: String,
    pub(crate) app: Option<String>,
    pub(crate) label: Option<String>,
    pub(crate) env: Option<String>,
    pub(crate) connection: String,
    pub(crate) first_seen: u64,
    pub(crate) last_seen: u64,
    pub(crate) messages: u64,
    pub(crate) actions: u64,
    pub(crate) last_action: Option<String>,
    pub(crate) status: Status,
    /// How many stored reports name it (only with `sessions --reports`).
    pub(crate) reports: Option<u64>,
}

impl Instance {
    /// The `sessions --json` object: exactly the SPEC fields plus `type`.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "type": "instance",
            "id": self.id,
            "app": self.app,
            "label": self.label,
            "env": self.env,
            "connection": self.connection,
            "first_seen": rfc3339_ms(self.first_seen),
            "last_seen": rfc3339_ms(self.last_seen),
            "messages": self.messages,
            "actions": self.actions,
            "last_action": self.last_action,
            "status": self.status.as_str(),
        })
        .as_object()
        .cloned()
        .map(|mut o| {
            if let Some(n) = self.reports {
                o.insert("reports".into(), n.into());
            }
            Value::Object(o)
        })
        .unwrap_or_default()
    }
}

/// What a message did to the registry, for `sessions --follow`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new instance appeared.
    Added(String),
    /// An instance changed status (or reconnected on a new socket).
    Status(String),
    /// Counters and times only.
    Touched(String),
}

impl Change {
    pub(crate) fn instance(&self) -> &str {
        match self {
            Change::Added(k) | Change::Status(k) | Change::Touched(k) => k,
        }
    }
}

/// How many live or stopped instances the registry keeps, at most (more
/// than any one server has apps; 200,000 STARTs cost 166 MB before there
/// was a bound, and about 90 MB since, however many more come).
pub(crate) const ACTIVE_KEPT: usize = 50_000;
/// How many bytes the instances the registry keeps may cost, at most (an
/// estimate, [`footprint`]: about 1 KB an instance with short names, so the
/// count bound comes first unless names, labels or action types are long).
pub(crate) const BYTES_KEPT: usize = 64 << 20;

/// The registry's bounds: [`ACTIVE_KEPT`], [`BYTES_KEPT`] (smaller in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bounds {
    pub(crate) active: usize,
    pub(crate) bytes: usize,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            active: ACTIVE_KEPT,
            bytes: BYTES_KEPT,
        }
    }
}

#[derive(Debug, Default)]
pub struct Registry {
    instances: HashMap<String, Instance>,
    /// socket id → the instances whose latest connection it is.
    by_socket: HashMap<String, Vec<String>>,
    /// Labels people gave instances (the label store); they win over labels
    /// that come from the wire.
    user_labels: crate::model::labels::Labels,
    /// Gone instances let go by [`Registry::forget_gone`], in all.
    forgotten: usize,
    /// Live or stopped instances let go by [`Registry::let_go`], in all.
    let_go: usize,
    bounds: Bounds,
    /// Live or stopped instances now.
    active: usize,
    /// What the instances cost now ([`footprint`], summed).
    bytes: usize,
    /// [`Registry::over_bounds`] is true past these (the bounds, or more
    /// when what must stay is over them already).
    check_active: usize,
    check_bytes: usize,
}

/// What an instance costs, roughly: its record, its strings (the id is
/// also the map's key and in its socket's list), its place in the maps and
/// what the feed keeps for it (its ledger, its timers): about 1 KB for
/// short names, as measured (peak RSS over instance count).
fn footprint(i: &Instance) -> usize {
    const FIXED: usize = std::mem::size_of::<Instance>() + 640;
    let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    FIXED
        + 3 * i.id.len()
        + 2 * i.connection.len()
        + opt(&i.app)
        + opt(&i.label)
        + opt(&i.env)
        + opt(&i.last_action)
}

fn is_active(s: Status) -> bool {
    s != Status::Gone
}

/// Best-effort env from a name suffix: `shop@staging`, `shop (staging)`, `shop:staging`.
pub(crate) fn env_from_name(name: &str) -> Option<String> {
    let name = name.trim();
    let env = if let Some(open) = name.rfind(" (").filter(|_| name.ends_with(')')) {
        &name[open + 2..name.len() - 1]
    } else if let Some(at) = name.rfind('@').filter(|&i| i > 0) {
        &name[at + 1..]
    } else if let Some(colon) = name.rfind(':').filter(|&i| i > 0) {
        &name[colon + 1..]
    } else {
        return None;
    };
    let env = env.trim();
    let plausible = !env.is_empty()
        && env.len() <= 32
        && env
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    plausible.then(|| env.to_string())
}

impl Registry {
    pub fn new() -> Registry {
        Registry::with_bounds(Bounds::default())
    }

    pub(crate) fn with_bounds(bounds: Bounds) -> Registry {
        Registry {
            bounds,
            check_active: bounds.active,
            check_bytes: bounds.bytes,
            ..Registry::default()
        }
    }

    pub(crate) fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// How many live or stopped instances were let go (beyond the bounds), in all.
    pub(crate) fn let_go_count(&self) -> usize {
        self.let_go
    }

    /// What the kept instances cost (estimated bytes).
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Attach the label store's labels (to instances known now and later).
    pub(crate) fn set_user_labels(&mut self, labels: crate::model::labels::Labels) {
        for inst in self.instances.values_mut() {
            if let Some(l) = labels.get(&inst.id) {
                self.bytes -= footprint(inst);
                inst.label = Some(l.clone());
                self.bytes += footprint(inst);
            }
        }
        self.user_labels = labels;
    }

    /// How many gone instances were let go (beyond the bound), in all.
    pub(crate) fn forgotten(&self) -> usize {
        self.forgotten
    }

    pub(crate) fn len(&self) -> usize {
        self.instances.len()
    }

    pub(crate) fn get(&self, instance: &str) -> Option<&Instance> {
        self.instances.get(instance)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Instance> {
        self.instances.values()
    }

    /// Apply one relay message received at `t` (epoch ms). `action_type` is
    /// the ACTION's decoded type, when the caller has it.
    pub fn apply(&mut self, t: u64, msg: &Message, action_type: Option<&str>) -> Vec<Change> {
        if msg.kind == Kind::Disconnected && msg.instance_id.is_none() {
            return self.disconnect(t, msg.socket.as_deref().unwrap_or_default());
        }
        let instance = msg.instance();
        if instance.is_empty() {
            return Vec::new();
        }
        let socket = msg.socket.as_deref().unwrap_or(instance);
        let (inst, mut change, before) = match self.instances.get_mut(instance) {
            Some(inst) => {
                let before = footprint(inst);
                (inst, Change::Touched(instance.to_string()), before)
            }
            None => {
                let inst = Instance {
                    id: instance.to_string(),
                    app: None,
                    label: self.user_labels.get(instance).cloned(),
                    env: None,
                    connection: socket.to_string(),
                    first_seen: t,
                    last_seen: t,
                    messages: 0,
                    actions: 0,
                    last_action: None,
                    status: Status::Live,
                    reports: None,
                };
                self.by_socket
                    .entry(socket.to_string())
                    .or_default()
                    .push(instance.to_string());
                self.active += 1;
                let inst = self.instances.entry(instance.to_string()).or_insert(inst);
                (inst, Change::Added(instance.to_string()), 0)
            }
        };
        inst.messages = inst.messages.saturating_add(1);
        inst.last_seen = inst.last_seen.max(t);
        if let Some(name) = &msg.name
            && inst.app.as_deref() != Some(&**name)
        {
            inst.app = Some(name.to_string());
        }
        if let Some(env) = msg
            .env
            .clone()
            .or_else(|| inst.app.as_deref().and_then(env_from_name))
        {
            inst.env = Some(env);
        }
        // A label the app sends shows until people give one (theirs win).
        if let Some(label) = &msg.label
            && !self.user_labels.contains_key(instance)
        {
            inst.label = Some(label.clone());
        }
        let old_status = inst.status;
        inst.status = match msg.kind {
            Kind::Stop => Status::Stopped,
            Kind::Disconnected => Status::Gone,
            _ => Status::Live,
        };
        if msg.kind == Kind::Action {
            // `actions` is the highest action id known (ids count from 1);
            // apps that send no ids are counted message by message. ACTIONs
            // come in order: the newest one names the last action.
            match msg.next_action_id.map(|n| n.saturating_sub(1)) {
                Some(id) => inst.actions = inst.actions.max(id.max(0) as u64),
                None => inst.actions = inst.actions.saturating_add(1),
            }
            if let Some(ty) = action_type {
                inst.last_action = Some(ty.to_string());
            }
        }
        if is_active(old_status) != is_active(inst.status) {
            match is_active(inst.status) {
                true => self.active += 1,
                false => self.active -= 1,
            }
        }
        let moved = inst.connection != socket;
        let old = moved.then(|| std::mem::replace(&mut inst.connection, socket.to_string()));
        self.bytes = self.bytes - before + footprint(inst);
        if let Some(old) = old {
            if let Some(on_socket) = self.by_socket.get_mut(&old) {
                on_socket.retain(|k| k != instance);
                if on_socket.is_empty() {
                    self.by_socket.remove(&old);
                }
            }
            self.by_socket
                .entry(socket.to_string())
                .or_default()
                .push(instance.to_string());
        }
        if matches!(change, Change::Touched(_)) && (moved || old_status != inst.status) {
            change = Change::Status(instance.to_string());
        }
        vec![change]
    }

    /// What a STATE says of an instance's actions: the newest id `top` and
    /// the type of its newest staged action. Moves `actions` and
    /// `last_action` forward, never back.
    pub(crate) fn note_history(
        &mut self,
        instance: &str,
        top: Option<i64>,
        last_type: Option<String>,
    ) {
        let Some(inst) = self.instances.get_mut(instance) else {
            return;
        };
        let Some(top) = top.filter(|&t| t >= 0) else {
            return;
        };
        if top as u64 >= inst.actions {
            inst.actions = top as u64;
            if last_type.is_some() {
                self.bytes -= footprint(inst);
                inst.last_action = last_type;
                self.bytes += footprint(inst);
            }
        }
    }

    /// Give `instance` a label (or take it away), as the label store now says.
    pub(crate) fn set_label(&mut self, instance: &str, label: Option<String>) {
        match &label {
            Some(l) => {
                self.user_labels.insert(instance.to_string(), l.clone());
            }
            None => {
                self.user_labels.remove(instance);
            }
        }
        if let Some(inst) = self.instances.get_mut(instance) {
            self.bytes -= footprint(inst);
            inst.label = label;
            self.bytes += footprint(inst);
        }
    }

    /// The label people gave `instance` (not one from the wire).
    pub(crate) fn user_label(&self, instance: &str) -> Option<&str> {
        self.user_labels.get(instance).map(String::as_str)
    }

    /// `DISCONNECTED(socket)`: every instance whose latest connection is that
    /// socket is gone; instances that moved to a newer socket are untouched.
    fn disconnect(&mut self, t: u64, socket: &str) -> Vec<Change> {
        let Some(on_socket) = self.by_socket.get(socket) else {
            return Vec::new();
        };
        let mut changes = Vec::new();
        for instance in on_socket {
            if let Some(inst) = self.instances.get_mut(instance) {
                inst.messages = inst.messages.saturating_add(1);
                inst.last_seen = inst.last_seen.max(t);
                if inst.status != Status::Gone {
                    inst.status = Status::Gone;
                    self.active -= 1;
                    changes.push(Change::Status(instance.clone()));
                } else {
                    changes.push(Change::Touched(instance.clone()));
                }
            }
        }
        changes
    }

    /// After rdx reconnected at `since` (and broadcast START, which every
    /// connected app answers at once), instances not heard from since are
    /// gone: their app went away while the link was down, so no DISCONNECTED
    /// will ever come for them. Returns what changed.
    pub(crate) fn mark_unheard_gone(&mut self, since: u64) -> Vec<Change> {
        let mut changes = Vec::new();
        for inst in self.instances.values_mut() {
            if inst.status != Status::Gone && inst.last_seen < since {
                inst.status = Status::Gone;
                self.active -= 1;
                changes.push(Change::Status(inst.id.clone()));
            }
        }
        changes.sort_by(|a, b| a.instance().cmp(b.instance()));
        changes
    }

    /// The live instances of `app` not heard since `since`, other than
    /// `except`, are gone (the Expo socket: they did not answer a START).
    pub(crate) fn mark_unanswered_gone(
        &mut self,
        app: &str,
        since: u64,
        except: &str,
    ) -> Vec<Change> {
        let mut changes = Vec::new();
        for inst in self.instances.values_mut() {
            if inst.status != Status::Gone
                && inst.last_seen < since
                && inst.app.as_deref() == Some(app)
                && inst.id != except
            {
                inst.status = Status::Gone;
                self.active -= 1;
                changes.push(Change::Status(inst.id.clone()));
            }
        }
        changes.sort_by(|a, b| a.instance().cmp(b.instance()));
        changes
    }

    /// Forget the oldest gone instances beyond `keep` (by last seen): a long
    /// `sessions --follow` against apps that reload all day must not grow
    /// without bound. Returns the instances forgotten, with their apps.
    pub(crate) fn forget_gone(&mut self, keep: usize) -> Vec<(String, Option<String>)> {
        let mut gone: Vec<(u64, &str)> = self
            .instances
            .values()
            .filter(|i| i.status == Status::Gone)
            .map(|i| (i.last_seen, i.id.as_str()))
            .collect();
        if gone.len() <= keep {
            return Vec::new();
        }
        let over = gone.len() - keep;
        gone.select_nth_unstable(over - 1);
        let mut drop: Vec<(u64, String)> = gone[..over]
            .iter()
            .map(|(t, id)| (*t, id.to_string()))
            .collect();
        drop.sort_unstable();
        self.forgotten += drop.len();
        drop.into_iter()
            .filter_map(|(_, id)| self.remove(&id))
            .collect()
    }

    /// Past a bound: more live or stopped instances than [`Bounds::active`],
    /// or instances that cost more than [`Bounds::bytes`]. O(1): asked after
    /// every message.
    pub(crate) fn over_bounds(&self) -> bool {
        self.active > self.check_active || self.bytes > self.check_bytes
    }

    /// Let the least recently seen instances go until an eighth under the
    /// bounds (so that this, O(n log n), runs once per n/8 new instances):
    /// live and stopped ones beyond [`Bounds::active`], then any beyond
    /// [`Bounds::bytes`]. `keep` (the instance a command follows, the one
    /// a message is being taken in for) stays. Returns the instances let
    /// go, with their apps.
    pub(crate) fn let_go(&mut self, keep: &[&str]) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        if !self.over_bounds() {
            return out;
        }
        let eighth_under = |n: usize| n - n / 8;
        let by_age = |r: &Registry, active_only: bool| {
            let mut v: Vec<(u64, String)> = r
                .instances
                .values()
                .filter(|i| (!active_only || is_active(i.status)) && !keep.contains(&i.id.as_str()))
                .map(|i| (i.last_seen, i.id.clone()))
                .collect();
            v.sort_unstable();
            v
        };
        if self.active > self.bounds.active {
            let target = eighth_under(self.bounds.active);
            for (_, id) in by_age(self, true) {
                if self.active <= target {
                    break;
                }
                out.extend(self.remove(&id));
                self.let_go += 1;
            }
        }
        if self.bytes > self.bounds.bytes {
            let target = eighth_under(self.bounds.bytes);
            for (_, id) in by_age(self, false) {
                if self.bytes <= target {
                    break;
                }
                let active = self.instances.get(&id).is_some_and(|i| is_active(i.status));
                out.extend(self.remove(&id));
                match active {
                    true => self.let_go += 1,
                    false => self.forgotten += 1,
                }
            }
        }
        // What stays (`keep`) may be over a bound by itself: look again only
        // after as much growth again.
        self.check_active = self.bounds.active.max(self.active + self.bounds.active / 8);
        self.check_bytes = self.bounds.bytes.max(self.bytes + self.bounds.bytes / 8);
        out
    }

    /// Remove one instance and its place in the socket map.
    fn remove(&mut self, id: &str) -> Option<(String, Option<String>)> {
        let inst = self.instances.remove(id)?;
        self.bytes -= footprint(&inst);
        if is_active(inst.status) {
            self.active -= 1;
        }
        if let Some(on_socket) = self.by_socket.get_mut(&inst.connection) {
            on_socket.retain(|k| k != id);
            if on_socket.is_empty() {
                self.by_socket.remove(&inst.connection);
            }
        }
        Some((inst.id, inst.app))
    }

    /// Instances sorted as `sessions` prints them: last seen newest first,
    /// then first seen, then id. Gone ones only with `all`.
    pub fn sorted(&self, all: bool) -> Vec<&Instance> {
        let mut list: Vec<&Instance> = self
            .instances
            .values()
            .filter(|i| all || i.status != Status::Gone)
            .collect();
        list.sort_by(|a, b| {
            b.last_seen
                .cmp(&a.last_seen)
                .then(a.first_seen.cmp(&b.first_seen))
                .then(a.id.cmp(&b.id))
        });
        list
    }
}

#[cfg(test)]
mod tests;
