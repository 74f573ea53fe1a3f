"""Stand-in for maya.app.renderSetup.model.renderSetup (the Render Setup API).

Layers are named by their Render Setup name; each has a legacy renderLayer node "rs_<name>",
the default layer's node is "defaultRenderLayer" (as in real Maya).
"""

from maya import _session


class RenderLayer(object):
    def __init__(self, name, node):
        self._name = name
        self._node = node

    def name(self):
        return self._name

    def _getLegacyNodeName(self):
        return self._node


class DefaultRenderLayer(RenderLayer):
    def __init__(self):
        RenderLayer.__init__(self, "defaultRenderLayer", "defaultRenderLayer")


class RenderSetup(object):
    def getRenderLayers(self):
        _session.require_initialized()
        return [RenderLayer(n, "rs_" + n) for n in _session.scene()["setup_layers"]]

    def getRenderLayer(self, name):
        _session.record("renderSetup.getRenderLayer", [name], {})
        _session.require_initialized()
        known = _session.scene()["setup_layers"]
        if known and name not in known:
            raise Exception("Render layer '%s' not found" % name)
        return RenderLayer(name, "rs_" + name)

    def getDefaultRenderLayer(self):
        _session.record("renderSetup.getDefaultRenderLayer", [], {})
        return DefaultRenderLayer()

    def switchToLayer(self, layer):
        _session.record("renderSetup.switchToLayer", [layer.name()], {})
        _session.require_initialized()
        _session.STATE["layer"] = layer._getLegacyNodeName()


_INSTANCE = RenderSetup()


def instance():
    return _INSTANCE
