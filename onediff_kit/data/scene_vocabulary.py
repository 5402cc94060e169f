"""Every word the synthetic generator can say, in one place.

The scene attributes follow CLEVR (shapes, the 8 colours, two materials, two
sizes); the change types follow CLEVR-Change. A caption parser for semantic
accuracy is built from this module, so every word a template can produce is
listed here (attribute synonyms included).

This is a data contract shared by several plugins: the generator
(onediff-data) writes captions and scene truth with it, the semantic metric
(onediff-metrics) parses captions with it and the change-attribute head
(onediff-models) takes its class names from it. It lives in the core so that
none of them imports another.
"""

SHAPES = ('cube', 'sphere', 'cylinder')
# CLEVR's palette (properties.json of clevr-dataset-gen), RGB 0-255.
COLORS = {
    'gray': (87, 87, 87),
    'red': (173, 35, 35),
    'blue': (42, 75, 215),
    'green': (29, 105, 20),
    'brown': (129, 74, 25),
    'purple': (129, 38, 192),
    'cyan': (41, 208, 208),
    'yellow': (255, 238, 51),
}
MATERIALS = ('rubber', 'metal')
SIZES = ('small', 'large')
# Half extent of an object in scene units (CLEVR: large 0.7, small 0.35).
SIZE_VALUES = {'small': 0.35, 'large': 0.7}

CHANGE_TYPES = ('color', 'material', 'add', 'drop', 'move', 'none')
# What a 'none' pair changes instead of the scene.
DISTRACTORS = ('viewpoint', 'scale', 'lighting')

# Words a caption may use for an attribute value (first = canonical).
SYNONYMS = {
    'cube': ('cube', 'block'),
    'sphere': ('sphere', 'ball'),
    'cylinder': ('cylinder', ),
    'metal': ('metal', 'metallic', 'shiny'),
    'rubber': ('rubber', 'matte'),
    'small': ('small', 'tiny'),
    'large': ('large', 'big'),
    'gray': ('gray', 'grey'),
}

# Object phrases: which attributes a caption names. Always from the object's
# state in the scene the phrase refers to (before for drop/color/material/
# move, after for add).
OBJECT_PHRASES = (
    '{size} {color} {material} {shape}',
    '{size} {color} {shape}',
    '{color} {material} {shape}',
    '{color} {shape}',
    '{size} {material} {shape}',
)

# Directions of a move, in the image: x grows to the right, y away from the
# camera.
DIRECTIONS = ('left', 'right', 'front', 'back')

CHANGE_TEMPLATES = {
    'color': (
        'the {obj} changed to {new}',
        'the {obj} turned {new}',
        'the {obj} became {new}',
        'the {obj} is now {new}',
        'the {obj} was painted {new}',
        'the color of the {obj} changed from {old} to {new}',
        'someone changed the {obj} to {new}',
    ),
    'material': (
        'the {obj} changed to {new}',
        'the {obj} is now made of {new}',
        'the {obj} became {new}',
        'the material of the {obj} changed from {old} to {new}',
        'the {obj} turned into {new}',
        'someone changed the {obj} to {new}',
    ),
    'add': (
        'a {obj} has been added',
        'a {obj} appeared',
        'there is a new {obj}',
        'someone added a {obj}',
        'a new {obj} is in the scene',
        'a {obj} was added',
    ),
    'drop': (
        'the {obj} is gone',
        'the {obj} has disappeared',
        'the {obj} was removed',
        'the {obj} is missing',
        'someone removed the {obj}',
        'the {obj} is no longer there',
    ),
    'move': (
        'the {obj} moved',
        'the {obj} changed its location',
        'the {obj} was moved to the {direction}',
        'someone moved the {obj}',
        'the {obj} is in a different place',
        'the {obj} moved to the {direction}',
    ),
    'none': (
        'the two scenes are the same',
        'nothing has changed',
        'there is no change',
        'the scene is the same as before',
        'no change was made',
        'the two images show the same objects',
    ),
}

# Single-image scene captions (coupled samples, stage 1). {objects} is a
# list such as 'a small red metal cube, a large blue rubber sphere and a
# small cyan rubber cylinder'; {count} a number word.
# Noun phrases, so that a coupled target reads 'the first image shows
# {a} and ...'.
SCENE_TEMPLATES = (
    '{objects}',
    '{count} objects: {objects}',
    'a scene with {objects}',
    '{count} objects on a gray floor: {objects}',
    '{objects}, from left to right',
)
NUMBER_WORDS = ('zero', 'one', 'two', 'three', 'four', 'five', 'six',
                'seven', 'eight', 'nine', 'ten')

# The real-photo subset: pasted shapes, their colours, and where they are.
REAL_IMAGES = ('astronaut', 'chelsea', 'coffee', 'rocket', 'china', 'flower',
               'grace_hopper')
REAL_SHAPES = ('square', 'circle', 'triangle')
REAL_COLORS = {
    'red': (220, 30, 30),
    'green': (30, 180, 40),
    'blue': (30, 60, 220),
    'yellow': (250, 220, 30),
    'white': (245, 245, 245),
    'black': (15, 15, 15),
}
# 3x3 grid of regions, row-major.
REGIONS = ('top left', 'top', 'top right', 'left', 'center', 'right',
           'bottom left', 'bottom', 'bottom right')
REAL_CHANGE_TYPES = ('color', 'add', 'drop', 'move', 'none')
REAL_TEMPLATES = {
    'add': (
        'a {color} {shape} was added in the {region}',
        'a {color} {shape} appeared in the {region}',
        'there is a new {color} {shape} in the {region}',
        'someone added a {color} {shape} in the {region}',
        'a {color} {shape} is now in the {region}',
    ),
    'drop': (
        'the {color} {shape} in the {region} was removed',
        'the {color} {shape} in the {region} is gone',
        'the {color} {shape} in the {region} disappeared',
        'there is no longer a {color} {shape} in the {region}',
        'someone removed the {color} {shape} from the {region}',
    ),
    'color': (
        'the {old} {shape} in the {region} turned {new}',
        'the {shape} in the {region} changed from {old} to {new}',
        'the {old} {shape} in the {region} is now {new}',
        'the {shape} in the {region} was recolored {new}',
        'the color of the {shape} in the {region} changed to {new}',
    ),
    'move': (
        'the {color} {shape} moved from the {region} to the {new_region}',
        'the {color} {shape} is now in the {new_region}',
        'the {color} {shape} was moved to the {new_region}',
        'someone moved the {color} {shape} from the {region} to the '
        '{new_region}',
        'the {color} {shape} in the {region} moved to the {new_region}',
    ),
    'none': CHANGE_TEMPLATES['none'][:5],
}

TASKS = {'synth': 'synth_diff', 'real': 'real_edit', 'scene': 'synth_scene'}

__all__ = [
    'SHAPES',
    'COLORS',
    'MATERIALS',
    'SIZES',
    'SIZE_VALUES',
    'CHANGE_TYPES',
    'DISTRACTORS',
    'SYNONYMS',
    'OBJECT_PHRASES',
    'DIRECTIONS',
    'CHANGE_TEMPLATES',
    'SCENE_TEMPLATES',
    'NUMBER_WORDS',
    'REAL_IMAGES',
    'REAL_SHAPES',
    'REAL_COLORS',
    'REGIONS',
    'REAL_CHANGE_TYPES',
    'REAL_TEMPLATES',
    'TASKS',
]
