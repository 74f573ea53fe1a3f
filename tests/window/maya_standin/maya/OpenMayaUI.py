"""Stand-in maya.OpenMayaUI: MQtUtil.mainWindow() is the test's QMainWindow playing Maya's."""

main_window = None  # set by the test harness


class MQtUtil(object):
    @staticmethod
    def mainWindow():
        if main_window is None:
            return None
        from brm_qt import getCppPointer
        return int(getCppPointer(main_window)[0])
