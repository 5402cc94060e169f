"""Reading the change back out of a synthetic difference caption.

The parser is built from the synthetic scene vocabulary
(:func:`onediff_kit.data.scene_vocabulary.load_scene_vocabulary`: attribute
values, their synonyms, the change types and the caption templates), so it
knows every word a reference caption can use. A caption is matched against each
template (``{obj}`` must be an object phrase made of attribute words ending
in a shape, ``{new}`` and ``{old}`` attribute values); color and material
share some templates and are told apart by the new value. A caption that
matches no template falls back to words found in one change type's
templates only, and to the attribute words it contains.
"""
import re
from collections import OrderedDict

UNKNOWN = 'unknown'
ATTRIBUTES = ('size', 'color', 'material', 'shape')
_PLACEHOLDER = re.compile(r'\{(\w+)\}')


def _words(text):
    return re.findall(r"[a-z]+", text.lower())


class ChangeCaptionParser:
    """Parse captions into change type, object attributes and new value.

    Args:
        vocabulary (SceneVocabulary): the generator's words
            (:func:`onediff_kit.data.scene_vocabulary.load_scene_vocabulary`).
    """

    def __init__(self, vocabulary):
        V = vocabulary
        self.change_types = tuple(V.change_types)
        # word -> (attribute, canonical value)
        self.attr_of = {}
        for attr, values in (('shape', V.shapes), ('color', V.colors),
                             ('material', V.materials), ('size', V.sizes)):
            for value in values:
                self.attr_of[value] = (attr, value)
        for canonical, words in V.synonyms.items():
            for word in words:
                self.attr_of[word] = self.attr_of[canonical]
        self.directions = frozenset(V.directions)
        self.templates = []  # (change type, compiled regex)
        for change_type, templates in V.change_templates.items():
            for tpl in templates:
                self.templates.append((change_type, self._compile(tpl)))
        # Words that occur in one change type's templates only.
        words = {
            t: {
                w
                for tpl in tpls for w in _words(_PLACEHOLDER.sub(' ', tpl))
            }
            for t, tpls in V.change_templates.items()
        }
        self.cue_words = {
            t: ws - set().union(*(o for u, o in words.items() if u != t))
            for t, ws in words.items()
        }

    @staticmethod
    def _compile(template):
        # Captions are compared as lower-case words joined by single spaces.
        parts = []
        for token in template.split():
            m = _PLACEHOLDER.fullmatch(token)
            if m is None:
                parts.append(re.escape(token.lower()))
            elif m.group(1) == 'obj':
                parts.append(r'(?P<obj>[a-z]+(?: [a-z]+)*?)')
            else:
                parts.append(rf'(?P<{m.group(1)}>[a-z]+)')
        return re.compile('^' + ' '.join(parts) + '$')

    def _object(self, phrase):
        """Attributes of an object phrase, or None if it is not one."""
        attrs = OrderedDict()
        words = phrase.split()
        if not words or self.attr_of.get(words[-1], ('', ''))[0] != 'shape':
            return None
        for w in words:
            if w not in self.attr_of:
                return None
            attr, value = self.attr_of[w]
            if attr in attrs:
                return None
            attrs[attr] = value
        return attrs

    def _value(self, word, attr):
        found = self.attr_of.get(word)
        return found[1] if found and found[0] == attr else None

    def parse(self, caption):
        """Parse one caption.

        Args:
            caption (str): a generated (or reference) caption.

        Returns:
            dict: ``change_type`` (one of the vocabulary's change types or
            ``'unknown'``), ``attributes`` (attribute -> value the caption
            gives the changed object), ``new`` and ``old`` (for color and
            material changes), ``direction`` (for moves) and ``matched``
            (whether a template matched exactly).
        """
        text = ' '.join(_words(caption))
        for change_type, regex in self.templates:
            m = regex.match(text)
            if not m:
                continue
            groups = m.groupdict()
            out = dict(
                change_type=change_type,
                attributes=OrderedDict(),
                new=None,
                old=None,
                direction=None,
                matched=True)
            if 'obj' in groups:
                attrs = self._object(groups['obj'])
                if attrs is None:
                    continue
                out['attributes'] = attrs
            if change_type in ('color', 'material'):
                out['new'] = self._value(groups.get('new'), change_type)
                if out['new'] is None:
                    continue  # e.g. a material template read as color
                if 'old' in groups:
                    out['old'] = self._value(groups['old'], change_type)
                    if out['old'] is None:
                        continue
            if 'direction' in groups:
                if groups['direction'] not in self.directions:
                    continue
                out['direction'] = groups['direction']
            return out
        return self._fallback(text)

    def _fallback(self, text):
        words = text.split()
        hits = {
            t: sum(w in cues for w in words)
            for t, cues in self.cue_words.items()
        }
        best = max(hits.values()) if hits else 0
        tops = [t for t, h in hits.items() if h == best]
        change_type = tops[0] if best > 0 and len(tops) == 1 else UNKNOWN
        values = [self.attr_of[w] for w in words if w in self.attr_of]
        new = None
        if change_type in ('color', 'material'):
            # The last value of the changed attribute is the new one.
            for i in range(len(values) - 1, -1, -1):
                if values[i][0] == change_type:
                    new = values.pop(i)[1]
                    break
        attrs = OrderedDict()
        for attr, value in values:
            attrs.setdefault(attr, value)
        direction = next((w for w in words if w in self.directions), None)
        return dict(
            change_type=change_type,
            attributes=attrs,
            new=new,
            old=None,
            direction=direction if change_type == 'move' else None,
            matched=False)
