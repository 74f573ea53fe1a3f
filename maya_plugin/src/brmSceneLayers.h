// The open scene's render layers as Maya has them now, read from the dependency graph.
#pragma once

#include <string>
#include <vector>

namespace brm_maya {

struct SceneLayer {
    std::string name;  // what the artist sees: "masterLayer", the Render Setup layer, or the legacy node
    std::string node;  // the renderLayer node the renderer renders ("defaultRenderLayer", "rs_fx")
    bool renderable = true;
    // The layer's own frame range (Render Setup overrides of defaultRenderGlobals.startFrame /
    // endFrame in its render settings collections), when it overrides them.
    bool hasStart = false, hasEnd = false;
    double start = 0, end = 0;
};

/// Every renderLayer node of the open scene, in creation order (Render Setup's order), with
/// unsaved edits: a layer just added, renamed or switched off shows at once. Layers that come
/// from referenced files are left out (a reference's layers are not rendered from the parent).
/// Why the API and not the file: brmLayers used to read the scene file on disk, so an artist
/// saw the layers of their last save, not those they were submitting (submit exports the
/// scene in memory).
std::vector<SceneLayer> openSceneLayers();

}  // namespace brm_maya
