"""Stand-in maya.cmds for the window tests.

- The brm plug-in's commands (brmSubmit, brmLayers, ...) are the real plug-in's: any name the
  loaded plug-in registered turns into a command invocation through the stand-in host, with
  Maya's Python-to-MEL argument rules (flag=True -> -flag; a list -> one use per element, for
  multi-use flags; positional arguments after the flags; q=True -> -q) and Maya's error
  behaviour (the command's Script Editor error as RuntimeError).
- Maya's own commands the window uses are imitated here with their real flags (Maya command
  reference): about, file, optionVar, scriptJob, pluginInfo, loadPlugin, menu, menuItem,
  shelfLayout, shelfButton, deleteUI, fileDialog2, workspace, createNode, setAttr, getAttr,
  connectAttr, delete, rename, ls.
"""

import json
import os

from maya import _host

_state = {
    "batch": False,
    "modified": False,
    "options": None,
    "script_jobs": {},
    "next_job": 1,
    "ui": {},            # name -> {"type": ..., flags}
    "dialog_answer": None,
    "workspace": None,
}


def reset(batch=False):
    """A fresh session (tests)."""
    _state.update(batch=batch, modified=False, options=None, script_jobs={}, next_job=1, ui={},
                  dialog_answer=None, workspace=None)
    if not batch:
        # Maya's main window UI: the Render menu (as built once opened) and the shelves.
        ui = _state["ui"]
        ui["mainRenderMenu"] = {"type": "menu", "label": "Render"}
        for i, label in enumerate(("Render Current Frame...", "IPR Render Current Frame...", "Batch Render")):
            ui["mayaRenderMenuItem%d" % i] = {"type": "menuItem", "label": label, "parent": "mainRenderMenu"}
        ui["ShelfLayout"] = {"type": "tabLayout"}


def _flag(kwargs, *names, **kw):
    for n in names:
        if n in kwargs:
            return kwargs[n]
    return kw.get("default")


def fire_event(event):
    """Run the scriptJobs of an event (Maya runs them on idle after the event)."""
    for _, (ev, fn) in sorted(_state["script_jobs"].items()):
        if ev == event:
            fn() if callable(fn) else exec(fn, {})


# ---- the plug-in's commands -------------------------------------------------------------------
def _arg(v):
    if isinstance(v, bool):
        return (_host.INT, "1" if v else "0")
    if isinstance(v, int):
        return (_host.INT, str(v))
    if isinstance(v, float):
        return (_host.DOUBLE, repr(v))
    return (_host.STRING, str(v))


def _plugin_command(name):
    def command(*args, **kwargs):
        items = []
        for k, v in kwargs.items():
            if k in ("q", "query"):
                if v:
                    items.append((_host.FLAG, "-q"))
                continue
            if k in ("e", "edit"):
                if v:
                    items.append((_host.FLAG, "-e"))
                continue
            if v is True:
                items.append((_host.FLAG, "-" + k))
            elif v is False or v is None:
                continue
            elif isinstance(v, (list, tuple)):
                for x in v:
                    items += [(_host.FLAG, "-" + k), _arg(x)]
            else:
                items += [(_host.FLAG, "-" + k), _arg(v)]
        items += [_arg(a) for a in args]
        return _host.run(name, items)
    command.__name__ = name
    return command


def __getattr__(name):
    if name.startswith("brm") and name in _host.commands():
        return _plugin_command(name)
    raise AttributeError("module 'maya.cmds' has no attribute '%s'" % name)


# ---- Maya's own commands ------------------------------------------------------------------------
def about(**kwargs):
    if _flag(kwargs, "batch", "b"):
        return _state["batch"]
    if _flag(kwargs, "version", "v"):
        return "2024"
    return ""


def loadPlugin(*names, **kwargs):
    path = os.environ["BRM_MAYA_PLUGIN"]
    if "brmInfo" not in _host.commands():
        _host.load_plugin(path)
    return ["brm"]


def unloadPlugin(*names, **kwargs):
    _host.unload_plugin()


def pluginInfo(name=None, **kwargs):
    if _flag(kwargs, "loaded", "l"):
        return "brmInfo" in _host.commands()
    return None


def file(*args, **kwargs):
    if _flag(kwargs, "query", "q"):
        if _flag(kwargs, "sceneName", "sn"):
            return _host.current_file()
        if _flag(kwargs, "modified", "amf"):
            return _state["modified"]
        return None
    if _flag(kwargs, "open", "o"):
        _host.open_scene(args[0])
        _state["modified"] = False
        fire_event("SceneOpened")
        return args[0]
    if _flag(kwargs, "new", "new"):
        _host.open_scene("")
        _state["modified"] = False
        fire_event("NewSceneOpened")
        return "untitled"
    if _flag(kwargs, "save", "s"):
        path = _host.current_file()
        if not path:
            raise RuntimeError("The scene has never been saved: use File > Save Scene As")
        _host.save_as(path)
        _state["modified"] = False
        fire_event("SceneSaved")
        return path
    return None


def _prefs_path():
    return os.environ.get("BRM_TEST_MAYA_PREFS") or os.path.join(os.environ.get("TEST_TMP", "."), "prefs.json")


def _options():
    if _state["options"] is None:
        try:
            with open(_prefs_path()) as f:
                _state["options"] = json.load(f)
        except (IOError, OSError, ValueError):
            _state["options"] = {}
    return _state["options"]


def save_prefs():
    """Maya writes optionVars to userPrefs.mel on exit; a new session reads them back."""
    with open(_prefs_path(), "w") as f:
        json.dump(_options(), f)


def optionVar(*args, **kwargs):
    o = _options()
    if _flag(kwargs, "exists", "ex"):
        return _flag(kwargs, "exists", "ex") in o
    if _flag(kwargs, "query", "q"):
        return o.get(_flag(kwargs, "query", "q"), 0)
    if _flag(kwargs, "remove", "rm"):
        o.pop(_flag(kwargs, "remove", "rm"), None)
        return None
    for names in (("stringValue", "sv"), ("intValue", "iv"), ("floatValue", "fv")):
        pair = _flag(kwargs, *names)
        if pair is not None:
            o[pair[0]] = pair[1]
    return None


def scriptJob(**kwargs):
    kill = _flag(kwargs, "kill", "k")
    if kill is not None:
        if kill not in _state["script_jobs"]:
            raise RuntimeError("scriptJob: job number %s does not exist" % kill)
        del _state["script_jobs"][kill]
        return None
    if _flag(kwargs, "exists", "ex") is not None:
        return _flag(kwargs, "exists", "ex") in _state["script_jobs"]
    event = _flag(kwargs, "event", "e")
    if event is None:
        raise RuntimeError("scriptJob: the stand-in supports -event, -kill, -exists")
    jid = _state["next_job"]
    _state["next_job"] += 1
    _state["script_jobs"][jid] = (event[0], event[1])
    return jid


# ---- UI registry (menus, shelves) -----------------------------------------------------------------
def _ui_command(kind):
    def command(name=None, **kwargs):
        ui = _state["ui"]
        if _flag(kwargs, "exists", "ex"):
            return name in ui and ui[name]["type"] == kind
        if _flag(kwargs, "query", "q"):
            if name not in ui:
                raise RuntimeError("%s: object not found: %s" % (kind, name))
            if _flag(kwargs, "itemArray", "ia"):
                return [n for n, v in ui.items() if v.get("parent") == name] or None
            for k in kwargs:
                if k not in ("query", "q"):
                    return ui[name].get(k)
            return None
        if _flag(kwargs, "edit", "e"):
            ui[name].update(kwargs)
            return name
        if name is None:
            name = "%s%d" % (kind, len(ui) + 1)
        entry = dict(kwargs)
        entry["type"] = kind
        ui[name] = entry
        return name
    return command


menu = _ui_command("menu")
menuItem = _ui_command("menuItem")
shelfLayout = _ui_command("shelfLayout")
shelfButton = _ui_command("shelfButton")


def ui_names():
    return sorted(_state["ui"])


def deleteUI(*names, **kwargs):
    for n in names:
        if n not in _state["ui"]:
            raise RuntimeError("deleteUI: object not found: %s" % n)
        del _state["ui"][n]


def ui():
    """Every UI element built so far (tests)."""
    return _state["ui"]


def fileDialog2(**kwargs):
    return _state["dialog_answer"]


def workspace(*args, **kwargs):
    root = _state["workspace"] or os.path.join(os.environ.get("TEST_TMP", "."), "project")
    if _flag(kwargs, "rootDirectory", "rd") and _flag(kwargs, "query", "q"):
        return root + "/"
    if _flag(kwargs, "fileRuleEntry", "fre"):
        return {"images": "images"}.get(_flag(kwargs, "fileRuleEntry", "fre"), "")
    return root


# ---- the scene's nodes (the stand-in host's dependency graph) ----------------------------------------
def _edited():
    _state["modified"] = True


def createNode(type_, name=None, n=None, **kwargs):
    name = name or n
    _host.create_node(type_, name)
    _edited()
    if type_ == "renderLayer":
        fire_event("renderLayerChange")
    return name


def setAttr(plug, value, **kwargs):
    _host.set_attr(plug, "1" if value is True else "0" if value is False else value)
    _edited()
    if plug.endswith((".renderable", ".rndr")):
        fire_event("renderLayerChange")


def getAttr(plug, **kwargs):
    v = _host.get_attr(plug)
    if plug.endswith((".renderable", ".rndr")):
        return v in ("1", "yes", "true", "on")
    return v


def connectAttr(src, dst, **kwargs):
    _host.connect_attr(src, dst)
    _edited()


def delete(*names, **kwargs):
    for n in names:
        _host.delete_node(n)
    _edited()
    fire_event("renderLayerChange")


def rename(old, new, **kwargs):
    _host.rename_node(old, new)
    _edited()
    fire_event("renderLayerChange")
    return new


def ls(*args, **kwargs):
    return _host.list_nodes(_flag(kwargs, "type", "typ", default="") or "")
