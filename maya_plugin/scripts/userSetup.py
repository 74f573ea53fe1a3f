"""The brm module's start-up: add Render > Batch Render (brm)... and the brm shelf button
once Maya's UI is up. Maya runs userSetup.py from its script path at start-up; if your studio
has its own userSetup.py first on the path, add `import brm_menu; brm_menu.install()` to it.
Batch sessions and mayapy build nothing (brm_menu.install checks)."""


def _brm_install_ui():
    try:
        import brm_menu
        brm_menu.install()
    except Exception as e:  # never break Maya's start-up
        print("brm: could not add the Batch Render menu entry: %s" % e)


try:
    import maya.utils
    maya.utils.executeDeferred(_brm_install_ui)
except ImportError:
    pass
