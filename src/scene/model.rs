//! The part of a Maya dependency graph that brm needs, and how layers, overrides, cameras and
//! render globals are worked out from it.
//!
//! Both readers ([`super::maya_ascii`], [`super::maya_binary`]) fill a [`Model`]; the rules of
//! Maya (Render Setup layers and their legacy `rs_` twins, which render layer manager owns a
//! layer, how frame-range overrides attach) live here once.

use std::collections::HashMap;

use super::{LayerInfo, RequiredPlugin, SceneInfo, DEFAULT_RENDER_LAYER, MASTER_LAYER};

/// The render layer manager every scene owns; layers under any other manager came from a
/// reference or an import and are not the scene's own.
pub const OWN_LAYER_MANAGER: &str = "renderLayerManager";

/// Node types whose attributes brm keeps (everything else is skipped to bound memory).
pub fn is_interesting_type(ty: &str) -> bool {
    matches!(
        ty,
        "renderLayer"
            | "renderLayerManager"
            | "renderSetupLayer"
            | "renderSetup"
            | "camera"
            | "collection"
            | "renderSettingsCollection"
            | "renderSettingsChildCollection"
            | "absOverride"
            | "absUniqueOverride"
            | "relOverride"
            | "relUniqueOverride"
            | "renderGlobals"
    )
}

/// True for the connections the layer rules read: layer membership (`.rlid`), Render Setup
/// layer twins (`.lrl`), Render Setup parenting (`.pls`), legacy adjustments (`.adjs[i].plg`).
pub fn is_interesting_connection(dst: &str) -> bool {
    let attr = split_plug(dst).1;
    attr == "rlid"
        || attr == "lrl"
        || attr == "pls"
        || (attr.starts_with("adjs[") && attr.ends_with(".plg"))
}

/// Split `node.attr` at the first dot; leading `:` (root namespace) is dropped from the node.
pub fn split_plug(plug: &str) -> (&str, &str) {
    let plug = plug.strip_prefix(':').unwrap_or(plug);
    match plug.find('.') {
        Some(i) => (&plug[..i], &plug[i + 1..]),
        None => (plug, ""),
    }
}

/// An attribute value, as far as brm needs to understand it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    Num(f64),
    Str(String),
}

impl Value {
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Num(n) => Some(*n != 0.0),
            Value::Str(s) => parse_bool(s),
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            Value::Str(s) => s.trim().parse().ok(),
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// MEL's spellings of booleans.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "yes" | "true" | "on" | "1" => Some(true),
        "no" | "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// One node of interest.
#[derive(Clone, Debug, Default)]
pub struct Node {
    pub name: String,
    pub ty: String,
    pub parent: Option<String>,
    pub attrs: HashMap<String, Value>,
}

impl Node {
    /// An attribute by any of its names (Maya writes short names; tools may write long ones).
    pub fn attr(&self, names: &[&str]) -> Option<&Value> {
        names.iter().find_map(|n| self.attrs.get(*n))
    }
}

/// The graph subset both readers fill.
#[derive(Debug, Default)]
pub struct Model {
    pub nodes: Vec<Node>,
    index: HashMap<String, usize>,
    /// (source plug, destination plug), only connections [`is_interesting_connection`] keeps.
    pub conns: Vec<(String, String)>,
    pub requires: Vec<RequiredPlugin>,
    /// Referenced files (as written in the scene).
    pub references: Vec<String>,
    /// `currentUnit -t` (e.g. "film").
    pub time_unit: Option<String>,
    /// `requires maya "<version>"`: the Maya that saved the scene.
    pub maya_version: Option<String>,
}

const GLOBALS: &str = "defaultRenderGlobals";

impl Model {
    /// Add a node (a later node of the same name takes over the name, as in Maya's files).
    pub fn add_node(&mut self, name: &str, ty: &str, parent: Option<&str>) -> usize {
        let name = name.strip_prefix(':').unwrap_or(name);
        let i = self.nodes.len();
        self.nodes.push(Node {
            name: name.to_string(),
            ty: ty.to_string(),
            parent: parent.map(|p| p.trim_start_matches('|').to_string()),
            attrs: HashMap::new(),
        });
        self.index.insert(name.to_string(), i);
        i
    }

    /// The node index for `name` (leading `:` ignored); `defaultRenderGlobals` is created on
    /// first use since Maya files only `select` it.
    pub fn lookup_or_globals(&mut self, name: &str) -> Option<usize> {
        let name = name.strip_prefix(':').unwrap_or(name);
        if let Some(&i) = self.index.get(name) {
            return Some(i);
        }
        if name == GLOBALS {
            return Some(self.add_node(GLOBALS, "renderGlobals", None));
        }
        None
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        let name = name.strip_prefix(':').unwrap_or(name);
        self.index.get(name).map(|&i| &self.nodes[i])
    }

    /// Set an attribute; `attr` may carry a leading `.`.
    pub fn set_attr(&mut self, node: usize, attr: &str, value: Value) {
        let attr = attr.strip_prefix('.').unwrap_or(attr);
        if let Some(n) = self.nodes.get_mut(node) {
            n.attrs.insert(attr.to_string(), value);
        }
    }

    pub fn connect(&mut self, src: &str, dst: &str) {
        if is_interesting_connection(dst) {
            self.conns.push((src.to_string(), dst.to_string()));
        }
    }

    /// The node of the first source connected into `node.attr`.
    fn first_source_node(&self, node: &str, attr: &str) -> Option<&str> {
        self.conns.iter().find_map(|(s, d)| {
            let (dn, da) = split_plug(d);
            (dn == node && da == attr).then(|| split_plug(s).0)
        })
    }

    /// Fill `info` (render globals, layers, cameras, plugins) from the model. Globals the
    /// scene does not set get Maya's defaults.
    pub fn fill(&self, info: &mut SceneInfo) {
        let globals = self.node(GLOBALS);
        let g = |names: &[&str]| globals.and_then(|n| n.attr(names));
        info.renderer = Some(
            g(&["ren", "currentRenderer"])
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .unwrap_or("mayaSoftware")
                .to_string(),
        );
        info.start_frame = Some(
            g(&["fs", "startFrame"])
                .and_then(Value::as_f64)
                .unwrap_or(1.0),
        );
        info.end_frame = Some(
            g(&["ef", "endFrame"])
                .and_then(Value::as_f64)
                .unwrap_or(10.0),
        );
        info.by_frame = Some(
            g(&["bfs", "byFrameStep"])
                .and_then(Value::as_f64)
                .unwrap_or(1.0),
        );
        info.animation = Some(
            g(&["an", "animation"])
                .and_then(Value::as_bool)
                .unwrap_or(false),
        );
        info.image_prefix = g(&["ifp", "imageFilePrefix"])
            .and_then(|v| v.as_str())
            .map(str::to_string);
        info.required_plugins = self.requires.clone();
        info.maya_version = self.maya_version.clone();
        info.layers = self.layers(info.start_frame, info.end_frame);
        info.cameras = self.cameras();
        if !self.references.is_empty() {
            info.warnings.push(format!(
                "the scene references {} file(s) ({}); their contents (layers, cameras) are not inspected",
                self.references.len(),
                self.references.join(", ")
            ));
        }
    }

    fn layers(&self, g_start: Option<f64>, g_end: Option<f64>) -> Vec<LayerInfo> {
        let mut out = Vec::new();
        let mut has_default = false;
        for n in self.nodes.iter().filter(|n| n.ty == "renderLayer") {
            let manager = self.first_source_node(&n.name, "rlid");
            let from_reference =
                n.name.contains(':') || manager.is_some_and(|m| m != OWN_LAYER_MANAGER);
            let is_default = n.name == DEFAULT_RENDER_LAYER;
            has_default |= is_default;
            let rs_layer = self.render_setup_twin(&n.name);
            let name = if is_default {
                MASTER_LAYER.to_string()
            } else {
                rs_layer.clone().unwrap_or_else(|| n.name.clone())
            };
            let renderable = n
                .attr(&["rndr", "renderable"])
                .and_then(Value::as_bool)
                .unwrap_or(true);
            let (mut start, mut end) = self.legacy_adjustments(n);
            if let Some(rs) = &rs_layer {
                let (s, e) = self.render_setup_overrides(rs, g_start, g_end);
                start = s.or(start);
                end = e.or(end);
            }
            out.push(LayerInfo {
                name,
                node: n.name.clone(),
                renderable,
                start_frame: start,
                end_frame: end,
                from_reference,
            });
        }
        if !has_default {
            // Every Maya scene has the default layer; files written by other tools may omit it.
            out.push(LayerInfo {
                name: MASTER_LAYER.into(),
                node: DEFAULT_RENDER_LAYER.into(),
                renderable: true,
                start_frame: None,
                end_frame: None,
                from_reference: false,
            });
        }
        // Default layer first, the rest in file order.
        out.sort_by_key(|l| l.node != DEFAULT_RENDER_LAYER);
        out
    }

    /// The Render Setup layer whose legacy layer is `node` (`connectAttr "rs_X.msg" "X.lrl"`).
    fn render_setup_twin(&self, node: &str) -> Option<String> {
        self.conns.iter().find_map(|(s, d)| {
            let (sn, sa) = split_plug(s);
            let (dn, da) = split_plug(d);
            (sn == node && sa == "msg" && da == "lrl").then(|| dn.to_string())
        })
    }

    /// Legacy render-layer adjustments of the frame range: `defaultRenderGlobals.fs` connected
    /// to `layer.adjs[i].plg` with the value in `layer.adjs[i].val`.
    fn legacy_adjustments(&self, layer: &Node) -> (Option<f64>, Option<f64>) {
        let (mut start, mut end) = (None, None);
        for (s, d) in &self.conns {
            let (dn, da) = split_plug(d);
            if dn != layer.name || !da.starts_with("adjs[") {
                continue;
            }
            let (sn, sa) = split_plug(s);
            if sn != GLOBALS {
                continue;
            }
            let Some(slot) = da.strip_suffix(".plg") else {
                continue;
            };
            let value = layer
                .attrs
                .get(&format!("{slot}.val"))
                .and_then(Value::as_f64);
            match sa {
                "fs" | "startFrame" => start = value.or(start),
                "ef" | "endFrame" => end = value.or(end),
                _ => {}
            }
        }
        (start, end)
    }

    /// Render Setup frame-range overrides of layer `rs`: override nodes on `startFrame` /
    /// `endFrame` of defaultRenderGlobals whose parent chain (`P.lit -> C.pls`) reaches `rs`.
    /// Absolute overrides set the value; relative ones compute `value * multiply + offset`.
    /// Disabled overrides or collections (`.se`/`.en` off) are ignored.
    fn render_setup_overrides(
        &self,
        rs: &str,
        g_start: Option<f64>,
        g_end: Option<f64>,
    ) -> (Option<f64>, Option<f64>) {
        let enabled = |n: &Node| {
            n.attr(&["se", "selfEnabled"])
                .and_then(Value::as_bool)
                .unwrap_or(true)
                && n.attr(&["en", "enabled"])
                    .and_then(Value::as_bool)
                    .unwrap_or(true)
        };
        let (mut start, mut end) = (None::<f64>, None::<f64>);
        for o in self.nodes.iter().filter(|n| n.ty.ends_with("Override")) {
            let attr = o
                .attr(&["atr", "attribute"])
                .and_then(|v| v.as_str())
                .unwrap_or("");
            let is_start = matches!(attr, "startFrame" | "fs");
            let is_end = matches!(attr, "endFrame" | "ef");
            if !(is_start || is_end) {
                continue;
            }
            if let Some(t) = o
                .attr(&["tgName", "targetNodeName"])
                .and_then(|v| v.as_str())
            {
                if t.trim_start_matches(':') != GLOBALS {
                    continue;
                }
            }
            if !enabled(o) {
                continue;
            }
            // Walk up to the layer; every collection on the way must be enabled.
            let mut cur = o.name.as_str();
            let mut reached = false;
            for _ in 0..64 {
                let Some(p) = self.first_source_node(cur, "pls") else {
                    break;
                };
                if p == rs {
                    reached = true;
                    break;
                }
                if self.node(p).is_some_and(|pn| !enabled(pn)) {
                    break;
                }
                cur = p;
            }
            if !reached {
                continue;
            }
            let (slot, base) = if is_start {
                (&mut start, g_start)
            } else {
                (&mut end, g_end)
            };
            if o.ty.starts_with("abs") {
                if let Some(v) = o.attr(&["atv", "attrValue"]).and_then(Value::as_f64) {
                    *slot = Some(v);
                }
            } else {
                let mul = o
                    .attr(&["mul", "multiply"])
                    .and_then(Value::as_f64)
                    .unwrap_or(1.0);
                let ofs = o
                    .attr(&["ofs", "offset"])
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0);
                if let Some(b) = slot.or(base) {
                    *slot = Some(b * mul + ofs);
                }
            }
        }
        (start, end)
    }

    /// Renderable cameras (`.rnd`, default on), named by their transform where known.
    fn cameras(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for n in self.nodes.iter().filter(|n| n.ty == "camera") {
            if n.attr(&["rnd", "renderable"])
                .and_then(Value::as_bool)
                .unwrap_or(true)
            {
                let name = n.parent.clone().unwrap_or_else(|| n.name.clone());
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugs_split_at_first_dot_and_drop_root_namespace() {
        assert_eq!(split_plug(":perspShape.rlio[0]"), ("perspShape", "rlio[0]"));
        assert_eq!(
            split_plug("ref:layer.adjs[0].plg"),
            ("ref:layer", "adjs[0].plg")
        );
        assert_eq!(split_plug("node"), ("node", ""));
    }

    #[test]
    fn interesting_connections() {
        assert!(is_interesting_connection("rs_a.rlid"));
        assert!(is_interesting_connection("a.lrl"));
        assert!(is_interesting_connection("c.pls"));
        assert!(is_interesting_connection("l.adjs[3].plg"));
        assert!(!is_interesting_connection("l.adjs[3].val"));
        assert!(!is_interesting_connection("pSphereShape1.i"));
    }

    #[test]
    fn values_convert() {
        assert_eq!(Value::Str("yes".into()).as_bool(), Some(true));
        assert_eq!(Value::Num(0.0).as_bool(), Some(false));
        assert_eq!(Value::Bool(true).as_f64(), Some(1.0));
        assert_eq!(Value::Num(2.5).as_str(), None);
    }
}
