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
        A ``QKeySequence`` string, or "" for none; alternatives are separated by ``"; "``
        (``"Backspace; Shift+Del"``).
    callback_name
        Method of the target called on trigger, or a dotted path to a method of one of its
        parts (``"transport.play_pause"``); None for actions not built yet, which call
        ``target.not_built(spec)`` instead.
    enabled_when
        Method (or dotted path) answering whether the action applies now; None: always.
    menu
        The menu it is listed in.
    args
        Passed to the callback (``("shot",)`` for ``generation.new_item``).
    tip
        What the action does, for its tooltip (the title by default); the tooltip adds the
        shortcut.
    checkable
        An on/off action (Loop Playback); the callback toggles the state it shows.
    checked
        A checkable action's state when the window opens (Snapping starts on).
    refusal
        Method (or dotted path) called with the action's id that answers why the action
        cannot run now, in one sentence, or None; a sentence disables the action and becomes
        its tooltip and status tip (a Generate operation the selected item's model cannot do).
    """

    id: str
    title: str
    shortcut: str
    callback_name: str | None
    enabled_when: str | None = None
    menu: str = "File"
    args: tuple[str, ...] = ()
    tip: str = ""
    checkable: bool = False
    refusal: str | None = None
    checked: bool = False

    @property
    def tooltip(self) -> str:
        """The tooltip: what the action does and its shortcut."""
        text = self.tip or self.title.replace("&", "").rstrip("…")
        keys = QKeySequence.listFromString(self.shortcut) if self.shortcut else []
        shown = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
        return f"{text} ({shown})" if shown else text


#: Greys out a Generate operation the selected item's model cannot do (or that model does not
#: fit the engine's GPU), from the engine's model records.
_MODEL_CAN = "generation.refusal"

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("new", "&New Project", "Ctrl+N", "new_project"),
    ActionSpec("open", "&Open Project…", "Ctrl+O", "open_project"),
    ActionSpec("save", "&Save", "Ctrl+S", "save", "can_save"),
    ActionSpec("save_as", "Save &As…", "Ctrl+Shift+S", "save_as"),
    ActionSpec("import_media", "&Import Media…", "Ctrl+I", "import_media_action",
               "can_edit"),
    ActionSpec("relink", "&Relink Offline Media…", "", "relink_media", "has_offline_media"),
    ActionSpec("export", "&Export…", "Ctrl+E", "export_timeline", "exports.can_start"),
    ActionSpec("export_otio", "Export &Timeline (OTIO)…", "", "otio.export",
               tip="Write the timeline as an OpenTimelineIO file for another editor"),
    ActionSpec("cancel_export", "Cancel E&xport", "", "exports.cancel", "exports.is_running"),
    ActionSpec("undo", "&Undo", "Ctrl+Z", "session.stack.undo", "session.stack.canUndo",
               "Edit"),
    ActionSpec("redo", "&Redo", "Ctrl+Shift+Z", "session.stack.redo", "session.stack.canRedo",
               "Edit"),
    ActionSpec("split", "S&plit at Playhead", "S", "edits.split_at_playhead", "can_edit",
               "Edit"),
    ActionSpec("ripple_delete", "Ripple &Delete", "Backspace; Shift+Del", "edits.ripple_delete",
               "has_selection", "Edit"),
    ActionSpec("play_pause", "&Play/Pause", "Space", "transport.play_pause", None,
               "Playback"),
    ActionSpec("shuttle_back", "Shuttle &Backward", "J", "transport.shuttle_back", None,
               "Playback"),
    ActionSpec("shuttle_stop", "&Stop", "K", "transport.shuttle_stop", None, "Playback"),
    ActionSpec("shuttle_forward", "Shuttle &Forward", "L", "transport.shuttle_forward", None,
               "Playback"),
    ActionSpec("step_back", "Step Frame Back", "Left", "transport.step_back", None,
               "Playback"),
    ActionSpec("step_forward", "Step Frame Forward", "Right", "transport.step_forward", None,
               "Playback"),
    ActionSpec("set_in", "Set &In", "I", "transport.set_in", None, "Playback"),
    ActionSpec("set_out", "Set &Out", "O", "transport.set_out", None, "Playback"),
    ActionSpec("zoom_in", "Zoom &In", "+", "timeline.zoom_in", None, "View"),
    ActionSpec("zoom_out", "Zoom &Out", "-", "timeline.zoom_out", None, "View"),
    ActionSpec("zoom_fit", "Zoom to &Fit", "Shift+Z; \\", "timeline.zoom_to_fit", None, "View",
               tip="Show the whole timeline"),
    ActionSpec("snapping", "&Snapping", "N", "toggle_snapping", None, "View",
               tip="Snap dragged edges to other items' edges, the playhead and markers",
               checkable=True, checked=True),
    # The six ways to make a generated item differ only in their kind (see generation.KINDS).
    ActionSpec("new_shot", "New &Shot", "Ctrl+Shift+N", "generation.new_item", "can_edit",
               "Generate", ("shot",)),
    ActionSpec("animate", "&Animate Still", "", "generation.new_item", "has_selection",
               "Generate", ("animate",), refusal=_MODEL_CAN),
    ActionSpec("extend_forward", "Extend &Forward", "", "generation.new_item", "has_selection",
               "Generate", ("extend_forward",), refusal=_MODEL_CAN),
    ActionSpec("extend_backward", "Extend &Backward", "", "generation.new_item",
               "has_selection", "Generate", ("extend_backward",), refusal=_MODEL_CAN),
    ActionSpec("bridge", "B&ridge to Next", "", "generation.new_item", "has_selection",
               "Generate", ("bridge",), refusal=_MODEL_CAN),
    ActionSpec("loop", "&Loop", "", "generation.new_item", "has_selection", "Generate",
               ("loop",), refusal=_MODEL_CAN),
    ActionSpec("retake", "Re&take In to Out", "", "generation.retake_in_out", "can_edit",
               "Generate", tip="Make the frames from In to Out of the clip under them again, "
               "pinned to its frames on both sides", refusal=_MODEL_CAN),
    ActionSpec("generate", "&Generate", "Ctrl+Return", "generation.generate", "has_selection",
               "Generate", refusal=_MODEL_CAN),
    ActionSpec("add_lora", "Add &LoRA to Model...", "", "loras.add_lora", None, "Generate",
               tip="Add a LoRA file (safetensors) to the selected shot's model, for its shots' "
               "LoRAs row"),
)


class ActionSet:
    """The QActions made from a table, by id, and what keeps their enabled states current.

    Names are looked up on the target each time an action is triggered or its state is
    updated, so a dotted name reaches whatever part the target holds now (the window replaces
    its per-project parts when another project is opened).

    Parameters
    ----------
    target
        The object whose methods (or whose parts' methods) the specs name: the main window.
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
                action.setShortcuts(QKeySequence.listFromString(spec.shortcut))
            action.setToolTip(spec.tooltip)
            action.setCheckable(spec.checkable)
            action.setChecked(spec.checkable and spec.checked)
            action.triggered.connect(self._callback(spec))
            self.actions[spec.id] = action
        if update:
            self.update()

    def _callback(self, spec: ActionSpec) -> Callable[[], None]:
        if spec.callback_name is None:
            not_built = self._resolve("not_built")

            def report() -> None:
                not_built(spec)

            return report
        name = spec.callback_name

        def trigger() -> None:  # not the method itself: triggered(bool) passes a checked state
            self._resolve(name)(*spec.args)
            self.update()  # what one action did may enable another (Copy enables Paste)

        return trigger

    def _resolve(self, dotted: str) -> Callable[..., object]:
        found: object = self.target
        for name in dotted.split("."):
            found = getattr(found, name)
        assert callable(found), dotted
        return found

    def __getitem__(self, action_id: str) -> QAction:
        return self.actions[action_id]

    def update(self) -> None:
        """Enable each action whose ``enabled_when`` holds now."""
        for spec in self.specs:
            action = self.actions[spec.id]
            if spec.enabled_when is not None:
                action.setEnabled(bool(self._resolve(spec.enabled_when)()))
            if spec.refusal is not None:
                reason = self._resolve(spec.refusal)(spec.id) if action.isEnabled() else None
                action.setEnabled(reason is None and action.isEnabled())
                action.setToolTip(reason if isinstance(reason, str) else spec.tooltip)
                action.setStatusTip(reason if isinstance(reason, str) else "")

    def fill_menus(self, bar: QMenuBar) -> dict[str, QMenu]:
        """Add one menu per distinct ``menu`` (in table order) holding its actions."""
        menus: dict[str, QMenu] = {}
        for spec in self.specs:
            if spec.menu not in menus:
                menus[spec.menu] = bar.addMenu(spec.menu)
            if spec.refusal is not None:
                # Its reason shows where the greyed item is, and is current when the menu
                # opens (the engine's model records may have come since the last update).
                if not menus[spec.menu].toolTipsVisible():
                    menus[spec.menu].aboutToShow.connect(self.update)
                menus[spec.menu].setToolTipsVisible(True)
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
