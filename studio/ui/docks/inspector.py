"""QtInspector: the selected entry's editors (footage, sound, spec, pins, takes) in one form."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from studio.document.errors import EditError
from studio.document.model import (
    AudioItem,
    Clip,
    Generated,
    GeneratedSpec,
    Generation,
    Project,
    Still,
    Track,
    TrackEntry,
    Transition,
)
from studio.ui.docks.inspector_footage import FootageEditor
from studio.ui.docks.inspector_pins import PinsEditor
from studio.ui.docks.inspector_sound import SoundEditor
from studio.ui.docks.inspector_spec import SpecEditor
from studio.ui.docks.inspector_takes import TakesList, TakeThumb
from studio.ui.subscriptions import Subscriptions

NOTHING = "Select an item, or click an audio track's row for its gain."


class QtInspector(QWidget):
    """A clip's or still's footage, a sound's gain and fades with its track's gain (an audio
    track's gain alone when its row was clicked, :meth:`point_track`), or a generated entry's
    spec, pins and takes.

    The editors (:attr:`footage`, :attr:`sound`, :attr:`spec`, :attr:`pins`, :attr:`takes`)
    share one form; this widget says which entry they show and turns their requests into the
    signals below, naming the entry. The inspector never edits the document: it emits requests
    and follows the document's ``item_changed`` events, so undo shows in it too.

    Signals
    -------
    spec_edit_requested(str entry_id, str field, object value)
        One setting changed (``width`` and ``height`` come as one ``size`` request).
    take_requested(str entry_id, str action, str take_id)
        ``use`` a take (make it active), ``delete`` it, or ``requeue`` (take_id "") the item.
    take_selected(str entry_id, str take_id, bool active)
        A take was selected in the list ("" when none), and whether it is the chosen one.
    trim_requested(str entry_id, int in_delta, int out_delta)
        A clip's source in or out point, or a still's duration, was changed (a ripple trim).
    pin_requested(str entry_id, object what)
        Add a pin: ``"playhead"`` (the frame under the playhead) or a list of media ids (bin
        rows dropped on the pins list).
    sound_edit_requested(str item_id, str field, object value)
        An audio item's ``gain_db``, ``fade_in`` or ``fade_out`` (frames).
    track_edit_requested(str track_id, str field, object value)
        An audio track's ``gain_db``.
    """

    spec_edit_requested = Signal(str, str, object)
    take_requested = Signal(str, str, str)
    take_selected = Signal(str, str, bool)
    pin_requested = Signal(str, object)
    trim_requested = Signal(str, int, int)
    sound_edit_requested = Signal(str, str, object)
    track_edit_requested = Signal(str, str, object)

    def __init__(self, project: Project, parent: QWidget | None = None, *,
                 thumb: TakeThumb | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.entry_id: str | None = None
        #: The track whose row was clicked last; its gain shows while no entry is shown.
        self.track_id: str | None = None
        self.title = QLabel(NOTHING)
        self.title.setWordWrap(True)  # a long prompt must not widen the dock
        self.footage = FootageEditor(self._footage, parent=self)
        self.sound = SoundEditor(self._sound, lambda: self.project.rate, parent=self)
        self.spec = SpecEditor(self._spec, parent=self)
        self.pins = PinsEditor(project, self._spec, parent=self)
        self.takes = TakesList(self._generation, thumb=thumb, parent=self)
        self.form = form = QFormLayout(self)
        # Narrow docks put labels above their fields rather than cut the fields off.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(self.title)
        self.footage.add_rows(form)
        self.sound.add_rows(form)
        first = form.rowCount()
        for editor in (self.spec, self.pins, self.takes):
            editor.add_rows(form)
        #: The rows of a generated entry's spec, pins and takes, hidden for other entries.
        self.generation_rows = range(first, form.rowCount())
        self._connect()
        self.subscriptions = Subscriptions()
        self.subscriptions.connect(project.events.item_changed, self._on_changed)
        # A split or trim replaces the entry in its track: show its new values.
        self.subscriptions.connect(project.events.track_spliced, self._on_spliced)
        # A track's settings change by replacing it (an undone track gain too).
        self.subscriptions.connect(project.events.track_added, self._on_track)
        self.show_entry(None)

    def _connect(self) -> None:
        self.footage.trim_requested.connect(self._trim)
        self.sound.sound_edit_requested.connect(self._sound_edit)
        self.sound.track_edit_requested.connect(self._track_edit)
        self.spec.edit_requested.connect(self._spec_edit)
        self.pins.pins_edited.connect(lambda pins: self._spec_edit("pins", pins))
        self.pins.pin_requested.connect(self._pin)
        self.takes.take_requested.connect(self._take_action)
        self.takes.take_selected.connect(self._take_selected)

    def set_models(self, models: list[dict[str, Any]]) -> None:
        """Offer these models (the engine's model records); the current choice is kept."""
        self.spec.set_models(models)

    # ------------------------------------------------------------------ the shown entry
    def _entry(self) -> TrackEntry | None:
        if self.entry_id is None:
            return None
        try:
            return self.project.find(self.entry_id)[2]
        except EditError:
            return None

    def _generation(self) -> Generation | None:
        entry = self._entry()
        return entry.generation if isinstance(entry, (Generated, Transition)) else None

    def _spec(self) -> GeneratedSpec | None:
        generation = self._generation()
        return generation.spec if generation is not None else None

    def _footage(self) -> Clip | Still | None:
        entry = self._entry()
        return entry if isinstance(entry, (Clip, Still)) else None

    def _sound(self) -> tuple[AudioItem | None, Track | None]:
        """The audio item shown and its track (or the track of a gap or crossfade on an audio
        track), else the audio track last clicked while no entry is shown."""
        entry = self._entry()
        if entry is None:
            return None, next((t for t in self.project.timeline.audio_tracks
                               if t.id == self.track_id and self.entry_id is None), None)
        track = self.project.find(entry.id)[0]
        if track.kind != "audio":
            return None, None
        return (entry if isinstance(entry, AudioItem) else None), track

    def point_track(self, track_id: str | None) -> None:
        """Show the gain of the audio track ``track_id`` while no entry is shown."""
        self.track_id = track_id or None
        if self.entry_id is None:
            self.show_entry(None)

    def show_entry(self, entry_id: str | None) -> None:
        """Show the settings of ``entry_id`` (disabled if it has none)."""
        self.entry_id = entry_id
        item = self._footage()
        self.footage.show(item)
        if item is not None:
            kind = "clip" if isinstance(item, Clip) else "still"
            self.title.setText(f"{kind} {item.name or item.id}, {item.duration} frames")
        sound, track = self.sound.refresh()
        if sound is not None:
            self.title.setText(f"sound {sound.name or sound.id}, {sound.duration} frames")
        elif track is not None:
            self.title.setText(f"audio track {track.name or track.id}")
        generation = self._generation()
        for row in self.generation_rows:
            self.form.setRowVisible(row, generation is not None)
        editors = (*self.spec.editors(), self.takes.list, *self.pins.editors())
        for editor in editors:
            editor.blockSignals(True)
            editor.setEnabled(generation is not None)
        if generation is not None:
            spec = generation.spec
            self.title.setText(f"{spec.kind.replace('_', ' ')}, {spec.duration} frames")
            self.spec.show(spec)
        elif item is None and sound is None and track is None:
            self.title.setText(NOTHING)
        self.pins.show(generation.spec if generation is not None else None)
        self.takes.show(generation)
        for editor in editors:
            editor.blockSignals(False)
        self.pins.show_pin()
        self.takes.row_changed()

    def refresh_icons(self) -> None:
        """Show the takes' thumbnails that have arrived since."""
        self.takes.refresh_icons()

    def selected_take(self) -> str | None:
        """The id of the take selected in the list."""
        return self.takes.selected_take()

    # ------------------------------------------------------------------ requests
    def commit(self) -> None:
        """Send a spec edit still being typed (see :meth:`SpecEditor.commit`)."""
        if self._generation() is not None:
            self.spec.commit()

    def _spec_edit(self, field: str, value: object) -> None:
        if self.entry_id is not None and self._generation() is not None:
            self.spec_edit_requested.emit(self.entry_id, field, value)

    def _trim(self, in_delta: int, out_delta: int) -> None:
        if self.entry_id is not None:
            self.trim_requested.emit(self.entry_id, in_delta, out_delta)

    def _sound_edit(self, field: str, value: object) -> None:
        if self.entry_id is not None:
            self.sound_edit_requested.emit(self.entry_id, field, value)

    def _track_edit(self, field: str, value: object) -> None:
        track = self._sound()[1]
        if track is not None:
            self.track_edit_requested.emit(track.id, field, value)

    def _pin(self, what: object) -> None:
        if self.entry_id:
            self.pin_requested.emit(self.entry_id, what)

    def _take_action(self, action: str, take_id: str) -> None:
        if self.entry_id is not None:
            self.take_requested.emit(self.entry_id, action, take_id)

    def _take_selected(self, take_id: str, active: bool) -> None:
        if self.entry_id is not None and self._generation() is not None:
            self.take_selected.emit(self.entry_id, take_id, active)
        else:
            self.take_selected.emit("", "", True)

    def _on_changed(self, _track: object, _index: int, _old: object, new: Any) -> None:
        if new.id == self.entry_id:
            self.show_entry(self.entry_id)

    def _on_track(self, _timeline: object, _index: int, track: Track) -> None:
        shown = self._sound()[1]
        if shown is not None and shown.id == track.id:
            self.show_entry(self.entry_id)

    def _on_spliced(self, _track: object, _index: int, removed: tuple[TrackEntry, ...],
                    inserted: tuple[TrackEntry, ...]) -> None:
        if any(entry.id == self.entry_id for entry in (*removed, *inserted)):
            self.show_entry(self.entry_id)

    def detach(self) -> None:
        """Stop following the document."""
        self.subscriptions.clear()
