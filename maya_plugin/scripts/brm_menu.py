"""brm's entries in Maya's UI: Render > Batch Render (brm)... and a shelf button.

The module's userSetup.py calls install() once Maya's UI exists (maya.utils.executeDeferred).
Nothing is built in batch mode or mayapy (cmds.about(batch=True)). Calling install() again
replaces the entries; uninstall() removes them.
"""

import maya.cmds as cmds
import maya.mel as mel

MENU_ITEM = "brmBatchRenderMenuItem"
MENU_DIVIDER = "brmBatchRenderMenuDivider"
SHELF = "brm"
SHELF_BUTTON = "brmBatchRenderShelfButton"
COMMAND = "import brm_batch_render; brm_batch_render.show()"
LABEL = "Batch Render (brm)..."


def interactive():
    return not cmds.about(batch=True)


def render_menu():
    """Maya's main Render menu ($gMainRenderMenu), built if Maya has not built it yet."""
    menu = mel.eval("$brmTmp = $gMainRenderMenu")
    if menu and not cmds.menu(menu, q=True, itemArray=True):
        # The menu is filled lazily the first time it opens (its postMenuCommand); fill it
        # now so our entry lands after Maya's own.
        try:
            post = cmds.menu(menu, q=True, postMenuCommand=True)
            if post:
                mel.eval(post) if isinstance(post, str) else post()
        except RuntimeError:
            pass  # our entry then comes first; still there
    return menu


def install():
    """Add the menu entry and the shelf button; False (and nothing built) in batch/mayapy."""
    if not interactive():
        return False
    uninstall()
    menu = render_menu()
    if menu:
        cmds.menuItem(MENU_DIVIDER, divider=True, parent=menu)
        cmds.menuItem(MENU_ITEM, label=LABEL, parent=menu, sourceType="python", command=COMMAND,
                      annotation="Render layers of this scene in the background on your other GPUs")
    top = mel.eval("$brmTmp = $gShelfTopLevel")
    if top:
        if not cmds.shelfLayout(SHELF, exists=True):
            cmds.shelfLayout(SHELF, parent=top)
        cmds.shelfButton(SHELF_BUTTON, parent=SHELF, label="brm", imageOverlayLabel="brm",
                         image="brm.png", annotation=LABEL, sourceType="python", command=COMMAND)
    return True


def uninstall():
    for name in (MENU_ITEM, MENU_DIVIDER):
        if cmds.menuItem(name, exists=True):
            cmds.deleteUI(name, menuItem=True)
    if cmds.shelfButton(SHELF_BUTTON, exists=True):
        cmds.deleteUI(SHELF_BUTTON)
