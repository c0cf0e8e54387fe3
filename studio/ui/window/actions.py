"""The studio's actions as data, and the builder that turns them into QActions and menus."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar

__all__ = ["ACTIONS", "ActionSet", "ActionSpec", "build_actions", "fill_recent"]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One user action.

    Attributes
    ----------
    id
        Stable name, also the QAction's object name.
    title
        Menu text (``&`` marks the mnemonic).
    shortcut
        A ``QKeySequence`` string, or "" for none.
    callback_name
        Method of the target called on trigger; None for actions not built yet, which call
        ``target.not_built(spec)`` instead.
    enabled_when
        Method of the target answering whether the action applies now; None: always.
    menu
        The menu it is listed in.
    """

    id: str
    title: str
    shortcut: str
    callback_name: str | None
    enabled_when: str | None = None
    menu: str = "File"


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("new", "&New Project", "Ctrl+N", "new_project"),
    ActionSpec("open", "&Open Project…", "Ctrl+O", "open_project"),
    ActionSpec("save", "&Save", "Ctrl+S", "save", "can_save"),
    ActionSpec("save_as", "Save &As…", "Ctrl+Shift+S", "save_as"),
    ActionSpec("import_media", "&Import Media…", "Ctrl+I", "import_media_action",
               "can_edit"),
    ActionSpec("relink", "&Relink Offline Media…", "", "relink_media", "has_offline_media"),
    ActionSpec("export", "&Export…", "Ctrl+E", "export_timeline", "can_export"),
    ActionSpec("cancel_export", "Cancel E&xport", "", "cancel_export", "is_exporting"),
    ActionSpec("undo", "&Undo", "Ctrl+Z", "undo", "can_undo", "Edit"),
    ActionSpec("redo", "&Redo", "Ctrl+Shift+Z", "redo", "can_redo", "Edit"),
    ActionSpec("split", "S&plit at Playhead", "S", "split_at_playhead", "can_edit", "Edit"),
    ActionSpec("ripple_delete", "Ripple &Delete", "Shift+Del", "ripple_delete",
               "has_selection", "Edit"),
    ActionSpec("play_pause", "&Play/Pause", "Space", "play_pause", None, "Playback"),
    ActionSpec("shuttle_back", "Shuttle &Backward", "J", "shuttle_back", None, "Playback"),
    ActionSpec("shuttle_stop", "&Stop", "K", "shuttle_stop", None, "Playback"),
    ActionSpec("shuttle_forward", "Shuttle &Forward", "L", "shuttle_forward", None, "Playback"),
    ActionSpec("step_back", "Step Frame Back", "Left", "step_back", None, "Playback"),
    ActionSpec("step_forward", "Step Frame Forward", "Right", "step_forward", None, "Playback"),
    ActionSpec("set_in", "Set &In", "I", "set_in", None, "Playback"),
    ActionSpec("set_out", "Set &Out", "O", "set_out", None, "Playback"),
    ActionSpec("zoom_in", "Zoom &In", "+", "zoom_in", None, "View"),
    ActionSpec("zoom_out", "Zoom &Out", "-", "zoom_out", None, "View"),
    ActionSpec("new_shot", "New &Shot", "Ctrl+Shift+N", "new_shot", "can_edit", "Generate"),
    ActionSpec("animate", "&Animate Still", "", "animate_still", "has_selection", "Generate"),
    ActionSpec("extend_forward", "Extend &Forward", "", "extend_forward", "has_selection",
               "Generate"),
    ActionSpec("extend_backward", "Extend &Backward", "", "extend_backward", "has_selection",
               "Generate"),
    ActionSpec("bridge", "B&ridge to Next", "", "bridge_to_next", "has_selection", "Generate"),
    ActionSpec("loop", "&Loop", "", "loop_clip", "has_selection", "Generate"),
    ActionSpec("generate", "&Generate", "Ctrl+Return", "generate", "has_selection", "Generate"),
)


class ActionSet:
    """The QActions made from a table, by id, and what keeps their enabled states current.

    Parameters
    ----------
    target
        The object whose methods the specs name (the main window).
    specs
        The table; :data:`ACTIONS` by default.
    update
        Set the enabled states now; False when the target cannot answer yet (it then calls
        :meth:`update` itself once it can).
    """

    def __init__(self, target: QObject, specs: Sequence[ActionSpec] = ACTIONS, *,
                 update: bool = True) -> None:
        self.target = target
        self.specs = tuple(specs)
        self.actions: dict[str, QAction] = {}
        for spec in self.specs:
            action = QAction(spec.title, target)
            action.setObjectName(spec.id)
            if spec.shortcut:
                action.setShortcut(QKeySequence(spec.shortcut))
            action.triggered.connect(self._callback(spec))
            self.actions[spec.id] = action
        if update:
            self.update()

    def _callback(self, spec: ActionSpec) -> Callable[[], None]:
        if spec.callback_name is None:
            not_built = getattr(self.target, "not_built")
            return lambda: not_built(spec)
        method = getattr(self.target, spec.callback_name)
        return lambda: method()  # triggered(bool) would pass the checked state

    def __getitem__(self, action_id: str) -> QAction:
        return self.actions[action_id]

    def update(self) -> None:
        """Enable each action whose ``enabled_when`` holds now."""
        for spec in self.specs:
            if spec.enabled_when is not None:
                self.actions[spec.id].setEnabled(bool(getattr(self.target, spec.enabled_when)()))

    def fill_menus(self, bar: QMenuBar) -> dict[str, QMenu]:
        """Add one menu per distinct ``menu`` (in table order) holding its actions."""
        menus: dict[str, QMenu] = {}
        for spec in self.specs:
            if spec.menu not in menus:
                menus[spec.menu] = bar.addMenu(spec.menu)
            menus[spec.menu].addAction(self.actions[spec.id])
        return menus


def fill_recent(menu: QMenu, paths: Sequence[Path], open_path: Callable[[Path], object]) -> None:
    """Make ``menu`` list ``paths`` (recent projects); choosing one calls ``open_path`` on it."""
    menu.clear()
    for path in paths:
        action = menu.addAction(path.name)
        action.setToolTip(str(path))
        action.triggered.connect(lambda _checked=False, p=path: open_path(p))
    if not paths:
        menu.addAction("No recent projects").setEnabled(False)


def build_actions(target: QObject, specs: Sequence[ActionSpec] = ACTIONS, *,
                  update: bool = True) -> ActionSet:
    """QActions for ``specs`` on ``target``; see :class:`ActionSet`."""
    return ActionSet(target, specs, update=update)
