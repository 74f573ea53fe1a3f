"""Stand-in of Maya's maya.app.general.mayaMixin: show(dockable=True) in Maya wraps the widget
in a workspace control named <objectName>WorkspaceControl; here it records that and shows
the widget as a window."""

from brm_qt import QtWidgets

controls = {}


class MayaQWidgetDockableMixin(object):
    def show(self, dockable=False, floating=True, area="left", **kwargs):
        controls[self.objectName() + "WorkspaceControl"] = dict(dockable=dockable, floating=floating, area=area)
        QtWidgets.QWidget.show(self)
