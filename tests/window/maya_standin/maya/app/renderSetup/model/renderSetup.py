"""Stand-in of Render Setup's model (maya.app.renderSetup.model.renderSetup) over the host's
nodes, doing what the real one does to the dependency graph: a layer "fx" is a
renderSetupLayer node "fx" driving the legacy renderLayer "rs_fx"
(rs_fx.message -> fx.legacyRenderLayer); its renderable flag is the legacy node's."""

from maya import cmds
from maya import _host


class RenderLayer(object):
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name

    def _legacy(self):
        return "rs_" + self._name

    def isRenderable(self):
        return cmds.getAttr(self._legacy() + ".renderable")

    def setRenderable(self, value):
        cmds.setAttr(self._legacy() + ".renderable", bool(value))

    def setName(self, new):
        """Renames the layer and its legacy node, as Render Setup does."""
        _host.rename_node(self._name, new)
        _host.rename_node(self._legacy(), "rs_" + new)
        self._name = new
        cmds._edited()
        cmds.fire_event("renderLayerChange")


class RenderSetup(object):
    def createRenderLayer(self, name):
        _host.create_node("renderSetupLayer", name)
        _host.create_node("renderLayer", "rs_" + name)
        _host.connect_attr("rs_%s.message" % name, "%s.legacyRenderLayer" % name)
        cmds._edited()
        cmds.fire_event("renderLayerChange")
        return RenderLayer(name)

    def getRenderLayers(self):
        return [RenderLayer(n) for n in _host.list_nodes("renderSetupLayer")]

    def getRenderLayer(self, name):
        if name not in _host.list_nodes("renderSetupLayer"):
            raise Exception("Render layer '%s' not found" % name)
        return RenderLayer(name)


_instance = RenderSetup()


def instance():
    return _instance
