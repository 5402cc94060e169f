"""Render CLEVR-Change triplets inside Blender (3.x, headless).

Run by :mod:`.renderer` as::

    blender -b ASSETS/base_scene.blend -P blender_scene.py -- JOBS.json

with Blender's own Python (no numpy). JOBS.json holds the assets folder,
the render settings and a list of triplets (:mod:`.scene`), each with the
paths of its three images and scene files. For every triplet it checks,
before rendering anything, that each object covers ``min_pixels`` pixels
in each image (a 1-sample flat-colour pass, as CLEVR's shadeless pass);
then it renders the images to temporary files and renames them, and writes
a CLEVR-format scene file per image. One result line per triplet goes to
the ``results`` file: ``ok``, ``invisible`` (resample it) or ``error``.
"""
import json
import math
import os
import struct
import sys
import traceback

import bpy
from bpy_extras.object_utils import world_to_camera_view
from mathutils import Vector

LAMPS = dict(key='Lamp_Key', fill='Lamp_Fill', back='Lamp_Back')
# One flat colour per object of the visibility pass (CLEVR has at most 10),
# on a grid of 0 / 0.5 / 1 so a pixel is read back by rounding.
FLAT_COLORS = [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1),
               (0, 1, 1), (1, 1, 1), (0.5, 0, 0), (0, 0.5, 0), (0, 0, 0.5),
               (0.5, 0.5, 0), (0.5, 0, 0.5)]


def load_assets(assets, properties):
    """Append CLEVR's shape objects and material node groups once:
    ``({shape: object}, {material: node group})``."""
    loaded = []
    for folder, key, kind in (('shapes', 'shapes', 'objects'),
                              ('materials', 'materials', 'node_groups')):
        found = {}
        for name, stem in properties[key].items():
            path = os.path.join(assets, folder, stem + '.blend')
            with bpy.data.libraries.load(path) as (_, dst):
                setattr(dst, kind, [stem])
            found[name] = getattr(dst, kind)[0]
        loaded.append(found)
    return tuple(loaded)


def _material(node_type, output_name, rgba, group=None):
    """A material whose surface is one node of ``node_type`` (a node group
    when ``group`` is given) with its ``Color`` input set to ``rgba``."""
    mat = bpy.data.materials.new(node_type)
    mat.use_nodes = True
    nodes = mat.node_tree.nodes
    for node in list(nodes):
        if node.type != 'OUTPUT_MATERIAL':
            nodes.remove(node)
    # Looked up after the removals, which invalidate node references.
    output = nodes[0]
    node = nodes.new(node_type)
    if group is not None:
        node.node_tree = group
    node.inputs['Color'].default_value = rgba
    mat.node_tree.links.new(node.outputs[output_name],
                            output.inputs['Surface'])
    return mat


def make_material(group, rgb):
    """CLEVR's material: its node group (Rubber, MyMetal) in a colour."""
    # CLEVR feeds properties.json's 0-255 values straight in as 0-1.
    return _material('ShaderNodeGroup', 'Shader',
                     [c / 255.0 for c in rgb] + [1.0], group)


def flat_material(rgb):
    """An emission of one flat colour (the visibility pass)."""
    return _material('ShaderNodeEmission', 'Emission', list(rgb) + [1.0])


def strip_png_text(path):
    """Drop a PNG's text chunks: Blender and Cycles stamp the date and the
    render times there, so the same pixels would hash differently."""
    with open(path, 'rb') as f:
        data = f.read()
    out, pos = [data[:8]], 8
    while pos < len(data):
        length = struct.unpack('>I', data[pos:pos + 4])[0]
        end = pos + 12 + length
        if data[pos + 4:pos + 8] not in (b'tEXt', b'zTXt', b'iTXt'):
            out.append(data[pos:end])
        pos = end
    with open(path, 'wb') as f:
        f.write(b''.join(out))


class Stage:
    """The base scene with objects, camera and lights set per image."""

    def __init__(self, job_file):
        with open(job_file) as f:
            self.cfg = json.load(f)
        self.props = self.cfg['properties']
        self.shapes, self.groups = load_assets(self.cfg['assets'],
                                               self.props)
        self.scene = bpy.context.scene
        self.camera = bpy.data.objects['Camera']
        self.home = {n: Vector(bpy.data.objects[o].location)
                     for n, o in dict(camera='Camera', **LAMPS).items()}
        self.objects = []
        self.setup_render()

    def setup_render(self):
        render, cycles = self.scene.render, self.scene.cycles
        width, height = self.cfg['size']
        render.engine = 'CYCLES'
        render.resolution_x, render.resolution_y = width, height
        render.resolution_percentage = 100
        render.image_settings.file_format = 'PNG'
        render.image_settings.color_mode = 'RGB'
        if self.cfg.get('threads'):
            render.threads_mode = 'FIXED'
            render.threads = self.cfg['threads']
        # clevr-dataset-gen's settings
        cycles.blur_glossy = 2.0
        cycles.transparent_min_bounces = 8
        cycles.transparent_max_bounces = 8
        cycles.use_denoising = False
        cycles.device = 'CPU'
        prefs = bpy.context.preferences.addons['cycles'].preferences
        for backend in ('OPTIX', 'CUDA', 'HIP', 'METAL', 'ONEAPI'):
            try:
                prefs.compute_device_type = backend
                prefs.get_devices()
            except (TypeError, ValueError):
                continue
            gpus = [d for d in prefs.devices if d.type != 'CPU']
            if gpus:
                for d in prefs.devices:
                    d.use = d.type != 'CPU'
                cycles.device = 'GPU'
                break
        if cycles.device == 'CPU':
            prefs.compute_device_type = 'NONE'

    # -- scene ----------------------------------------------------------
    def clear(self):
        for obj in self.objects:
            mesh = obj.data
            bpy.data.objects.remove(obj, do_unlink=True)
            bpy.data.meshes.remove(mesh)
        self.objects = []
        for mat in list(bpy.data.materials):
            if mat.users == 0:
                bpy.data.materials.remove(mat)

    def build(self, objects, view):
        self.clear()
        for spec in objects:
            obj = self.shapes[spec['shape']].copy()
            obj.data = obj.data.copy()
            self.scene.collection.objects.link(obj)
            scale = self.props['sizes'][spec['size']]
            if spec['shape'] == 'cube':
                scale /= math.sqrt(2)
            obj.scale = (scale, scale, scale)
            obj.location = (spec['x'], spec['y'], scale)
            obj.rotation_euler = (0.0, 0.0, math.radians(spec['rot']))
            obj.data.materials.clear()
            obj.data.materials.append(make_material(
                self.groups[spec['material']],
                self.props['colors'][spec['color']]))
            self.objects.append(obj)
        for name, blender_name in dict(camera='Camera', **LAMPS).items():
            bpy.data.objects[blender_name].location = \
                self.home[name] + Vector(view[name])
        bpy.context.view_layer.update()

    # -- visibility -----------------------------------------------------
    def pixel_counts(self, path):
        """Pixels of each object in a flat-colour pass (lights hidden,
        emission only, Raw view, one sample, a box filter of one pixel)."""
        scene, render = self.scene, self.scene.render
        saved = dict(samples=scene.cycles.samples,
                     filter=scene.cycles.filter_width,
                     view=scene.view_settings.view_transform,
                     look=scene.view_settings.look)
        colors = FLAT_COLORS[:len(self.objects)]
        hidden = [o for o in scene.objects
                  if o.type == 'LIGHT' or o.name == 'Ground']
        for obj in hidden:
            obj.hide_render = True
        world = scene.world
        strength = world.node_tree.nodes['Background'].inputs['Strength']
        saved['world'] = strength.default_value
        strength.default_value = 0.0
        originals = []
        for obj, rgb in zip(self.objects, colors):
            originals.append(obj.data.materials[0])
            obj.data.materials[0] = flat_material(rgb)
        scene.cycles.samples = 1
        scene.cycles.filter_width = 0.01
        scene.view_settings.view_transform = 'Raw'
        scene.view_settings.look = 'None'
        render.filepath = path
        try:
            bpy.ops.render.render(write_still=True)
        finally:
            for obj, mat in zip(self.objects, originals):
                obj.data.materials[0] = mat
            for obj in hidden:
                obj.hide_render = False
            strength.default_value = saved['world']
            scene.cycles.samples = saved['samples']
            scene.cycles.filter_width = saved['filter']
            scene.view_settings.view_transform = saved['view']
            scene.view_settings.look = saved['look']
        image = bpy.data.images.load(path)
        image.colorspace_settings.name = 'Non-Color'
        pixels = image.pixels[:]
        bpy.data.images.remove(image)
        os.remove(path)
        index = {tuple(round(c * 2) for c in rgb): k
                 for k, rgb in enumerate(colors)}
        counts = [0] * len(self.objects)
        for i in range(0, len(pixels), 4):
            k = index.get((round(pixels[i] * 2), round(pixels[i + 1] * 2),
                           round(pixels[i + 2] * 2)))
            if k is not None:
                counts[k] += 1
        return counts

    # -- scene file -----------------------------------------------------
    def describe(self, objects, image_name, index):
        """CLEVR's scene record of the current image, plus each object's
        ``bbox`` ``[x0, y0, x1, y1]`` in pixels (its box's corners
        projected, clipped to the frame)."""
        width, height = self.cfg['size']
        out = []
        for spec, obj in zip(objects, self.objects):
            u, v, depth = world_to_camera_view(self.scene, self.camera,
                                               obj.location)
            xs, ys = [], []
            for corner in obj.bound_box:
                cu, cv, _ = world_to_camera_view(
                    self.scene, self.camera, obj.matrix_world @ Vector(
                        corner))
                xs.append(min(max(cu * width, 0), width))
                ys.append(min(max((1 - cv) * height, 0), height))
            out.append(dict(
                shape=spec['shape'], color=spec['color'],
                material=spec['material'], size=spec['size'],
                rotation=spec['rot'],
                **{'3d_coords': [round(c, 4) for c in obj.location],
                   'pixel_coords': [round(u * width), round(
                       height - v * height), round(depth, 4)]},
                bbox=[round(min(xs), 1), round(min(ys), 1),
                      round(max(xs), 1), round(max(ys), 1)]))
        quat = self.camera.matrix_world.to_quaternion()
        behind = quat @ Vector((0, 0, -1))
        left = quat @ Vector((-1, 0, 0))
        up = Vector((0, 0, 1))
        behind = (behind - behind.project(up)).normalized()
        left = (left - left.project(up)).normalized()
        directions = dict(behind=behind, front=-behind, left=left,
                          right=-left, above=up, below=-up)
        return dict(
            image_index=index, image_filename=image_name,
            image_size=[width, height], objects=out,
            directions={k: [round(c, 4) for c in v]
                        for k, v in directions.items()},
            camera_location=[round(c, 4) for c in self.camera.location])

    # -- one triplet ----------------------------------------------------
    def render_triplet(self, job):
        images = job['images']
        scratch = job['scratch']
        for name, paths in images.items():
            self.build(job['objects'][name], job['views'][name])
            counts = self.pixel_counts(os.path.join(
                scratch, f'visibility_{job["index"]}_{name}.png'))
            if min(counts, default=self.cfg['min_pixels']) < \
                    self.cfg['min_pixels']:
                return dict(status='invisible', image=name, pixels=counts)
        self.scene.cycles.samples = self.cfg['samples']
        for name, paths in images.items():
            self.build(job['objects'][name], job['views'][name])
            folder, file = os.path.split(paths['image'])
            tmp = os.path.join(folder, '.' + file[:-4] + '.tmp.png')
            self.scene.render.filepath = tmp
            bpy.ops.render.render(write_still=True)
            strip_png_text(tmp)
            record = self.describe(job['objects'][name],
                                   os.path.basename(paths['image']),
                                   job['index'])
            folder, file = os.path.split(paths['scene'])
            tmp_scene = os.path.join(folder, '.' + file + '.tmp')
            with open(tmp_scene, 'w') as f:
                json.dump(record, f)
            os.replace(tmp, paths['image'])
            os.replace(tmp_scene, paths['scene'])
        return dict(status='ok')


def main():
    argv = sys.argv[sys.argv.index('--') + 1:]
    stage = Stage(argv[0])
    with open(stage.cfg['results'], 'a') as results:
        for job in stage.cfg['jobs']:
            try:
                result = stage.render_triplet(job)
            except Exception as exc:  # one bad scene must not stop a batch
                result = dict(status='error', error=f'{type(exc).__name__}: '
                              f'{exc}', trace=traceback.format_exc(limit=3))
            result.update(index=job['index'], attempt=job['attempt'])
            results.write(json.dumps(result) + '\n')
            results.flush()


if __name__ == '__main__':
    main()
