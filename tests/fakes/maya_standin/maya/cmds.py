"""Stand-in for maya.cmds: the commands brm's mayapy scripts use, with Maya's argument style
(short and long flag names, query=True) and Maya-like errors."""

import os

from maya import _session

S = _session.STATE


def _rec(name, args, kwargs):
    _session.record("cmds." + name, args, kwargs)
    _session.require_initialized()


def _flag(kwargs, *names, default=None):
    for n in names:
        if n in kwargs:
            return kwargs[n]
    return default


def file(*args, **kwargs):
    _rec("file", args, kwargs)
    if _flag(kwargs, "query", "q"):
        if _flag(kwargs, "sceneName", "sn"):
            return S["scene"] or ""
        info = _session.scene()
        if _flag(kwargs, "reference", "r"):
            return list(info.get("references", []))
        if _flag(kwargs, "list", "l"):
            # As Maya: the scene, its references and the textures it knows of.
            return ([S["scene"]] if S["scene"] else []) + list(info.get("references", [])) + [
                t for _, t in info.get("textures", [])
            ]
        return None
    if _flag(kwargs, "open", "o"):
        path = args[0]
        if not os.path.isfile(path):
            raise RuntimeError("File not found: %s" % path)
        _session.open_scene(path)
        return path
    if _flag(kwargs, "new", "f") and not args:
        return None
    if _flag(kwargs, "save", "s"):
        raise RuntimeError("brm's stand-in Maya refuses to save scenes (scripts must never save)")
    return None


def workspace(*args, **kwargs):
    _rec("workspace", args, kwargs)
    if _flag(kwargs, "query", "q"):
        if _flag(kwargs, "rootDirectory", "rd"):
            return S["workspace"] or os.getcwd()
        rule = _flag(kwargs, "fileRuleEntry", "fre")
        if rule:
            return S["file_rules"].get(rule, "")
        return None
    if _flag(kwargs, "openWorkspace", "o"):
        S["workspace"] = args[0]
        return None
    directory = _flag(kwargs, "directory", "dir")
    if directory:
        S["workspace"] = directory
    rule = _flag(kwargs, "fileRule", "fr")
    if rule:
        S["file_rules"][rule[0]] = rule[1]
    return None


def objExists(name):
    _rec("objExists", [name], {})
    node = name.split(".")[0]
    return any(k.split(".")[0] == node for k in S["attrs"]) or node in (
        ["defaultRenderLayer"] + _session.scene()["layers"]
    )


def attributeQuery(attr, **kwargs):
    _rec("attributeQuery", [attr], kwargs)
    node = _flag(kwargs, "node", "n")
    return ("%s.%s" % (node, attr)) in S["attrs"]


def getAttr(attr, **kwargs):
    _rec("getAttr", [attr], kwargs)
    if attr not in S["attrs"]:
        raise ValueError("No object matches name: %s" % attr)
    return S["attrs"][attr]


def setAttr(attr, *values, **kwargs):
    _rec("setAttr", [attr] + list(values), kwargs)
    if attr not in S["attrs"]:
        raise RuntimeError("setAttr: No object matches name: %s" % attr)
    if len(values) != 1:
        raise RuntimeError("setAttr: wrong number of values for %s" % attr)
    value = values[0]
    if isinstance(S["attrs"][attr], str) and _flag(kwargs, "type", "typ") != "string":
        raise RuntimeError("setAttr: %s is a string attribute: give type='string'" % attr)
    S["attrs"][attr] = value


def mayaHasRenderSetup(**kwargs):
    _rec("mayaHasRenderSetup", [], kwargs)
    return os.environ.get("BRM_FAKE_LEGACY_LAYERS", "") != "1"


def editRenderLayerGlobals(**kwargs):
    _rec("editRenderLayerGlobals", [], kwargs)
    if _flag(kwargs, "query", "q"):
        return S["layer"]
    layer = _flag(kwargs, "currentRenderLayer", "crl")
    if layer is not None:
        known = _session.scene()["layers"] + ["rs_" + n for n in _session.scene()["setup_layers"]]
        if known and layer != "defaultRenderLayer" and layer not in known:
            raise RuntimeError("editRenderLayerGlobals: Object '%s' not found." % layer)
        S["layer"] = layer
    return None


def ls(*args, **kwargs):
    _rec("ls", args, kwargs)
    typ = _flag(kwargs, "type", "typ")
    if _flag(kwargs, "cameras", "ca") or typ == "camera":
        return [c + "Shape" for c in (_session.scene()["cameras"] or {"persp": True})]
    if typ == "file":
        return [n for n, _ in _session.scene().get("textures", [])]
    if typ == "renderLayer":
        return ["defaultRenderLayer"] + _session.scene()["layers"]
    return []


def listRelatives(*args, **kwargs):
    _rec("listRelatives", args, kwargs)
    items = args[0] if args else []
    if isinstance(items, str):
        items = [items]
    if _flag(kwargs, "parent", "p"):
        return [i[: -len("Shape")] if i.endswith("Shape") else i for i in items]
    return []


def currentTime(*args, **kwargs):
    _rec("currentTime", args, kwargs)
    if _flag(kwargs, "query", "q"):
        return S["time"]
    if args:
        S["time"] = float(args[0])
    return S["time"]


def pluginInfo(*args, **kwargs):
    _rec("pluginInfo", args, kwargs)
    return True


def loadPlugin(*args, **kwargs):
    _rec("loadPlugin", args, kwargs)
    return list(args)


def render(*args, **kwargs):
    """Maya's render command: renders with the current renderer."""
    _rec("render", args, kwargs)
    camera = args[0] if args else None
    layer = _flag(kwargs, "layer", "l")
    if layer:
        editRenderLayerGlobals(currentRenderLayer=layer)
    return _session.render(None, camera)


def arnoldRender(*args, **kwargs):
    _rec("arnoldRender", args, kwargs)
    return _session.render("arnold", _flag(kwargs, "camera", "cam"))


def rsRender(*args, **kwargs):
    _rec("rsRender", args, kwargs)
    return _session.render("redshift", _flag(kwargs, "camera", "cam"))


def rsPreference(*args, **kwargs):
    _rec("rsPreference", args, kwargs)
    return None


def vrend(*args, **kwargs):
    _rec("vrend", args, kwargs)
    return _session.render("vray", _flag(kwargs, "camera", "cam"))
