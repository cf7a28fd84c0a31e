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
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Stopped => "stopped",
            Status::Gone => "gone",
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
        Registry::default()
    }

    /// Attach the label store's labels (to instances known now and later).
    pub(crate) fn set_user_labels(&mut self, labels: crate::model::labels::Labels) {
        for inst in self.instances.values_mut() {
            if let Some(l) = labels.get(&inst.id) {
                inst.label = Some(l.clone());
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
        let (inst, mut change) = match self.instances.get_mut(instance) {
            Some(inst) => (inst, Change::Touched(instance.to_string())),
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
                };
                self.by_socket
                    .entry(socket.to_string())
                    .or_default()
                    .push(instance.to_string());
                let inst = self.instances.entry(instance.to_string()).or_insert(inst);
                (inst, Change::Added(instance.to_string()))
            }
        };
        inst.messages += 1;
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
            match msg.next_action_id.map(|n| n - 1) {
                Some(id) => inst.actions = inst.actions.max(id.max(0) as u64),
                None => inst.actions += 1,
            }
            if let Some(ty) = action_type {
                inst.last_action = Some(ty.to_string());
            }
        }
        let moved = inst.connection != socket;
        if moved {
            let old = std::mem::replace(&mut inst.connection, socket.to_string());
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
                inst.last_action = last_type;
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
            inst.label = label;
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
                inst.messages += 1;
                inst.last_seen = inst.last_seen.max(t);
                if inst.status != Status::Gone {
                    inst.status = Status::Gone;
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
                changes.push(Change::Status(inst.id.clone()));
            }
        }
        changes.sort_by(|a, b| a.instance().cmp(b.instance()));
        changes
    }

    /// Forget the oldest gone instances beyond `keep` (by last seen): a long
    /// `sessions --follow` against apps that reload all day must not grow
    /// without bound. Returns the instances forgotten.
    pub(crate) fn forget_gone(&mut self, keep: usize) -> Vec<String> {
        let mut gone: Vec<(u64, String)> = self
            .instances
            .values()
            .filter(|i| i.status == Status::Gone)
            .map(|i| (i.last_seen, i.id.clone()))
            .collect();
        if gone.len() <= keep {
            return Vec::new();
        }
        gone.sort();
        let over = gone.len() - keep;
        let drop: Vec<String> = gone.into_iter().take(over).map(|(_, id)| id).collect();
        self.forgotten += drop.len();
        for id in &drop {
            if let Some(inst) = self.instances.remove(id)
                && let Some(on_socket) = self.by_socket.get_mut(&inst.connection)
            {
                on_socket.retain(|k| k != id);
                if on_socket.is_empty() {
                    self.by_socket.remove(&inst.connection);
                }
            }
        }
        drop
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
