from onediff_kit.registry import FUNCTIONS


@FUNCTIONS.register_module()
def layer_class_wrap_policy(module, recurse, nonwrapped_numel,
                            layer_names=()):
    """FSDP ``auto_wrap_policy``: one FSDP unit per module whose class name
    is in ``layer_names`` (e.g. ``LlamaDecoderLayer``); everything else
    stays in the enclosing unit.

    torch's ``transformer_auto_wrap_policy`` needs the classes themselves,
    which a config cannot hold; names can. Wrapping whole parts instead
    (a size-based policy) breaks modules that use a part's weights outside
    its forward, such as ``HFCausalLMDecoder`` looking up the LM's input
    embeddings.

    Args:
        module (nn.Module): the module FSDP asks about.
        recurse (bool): True while FSDP descends into children.
        nonwrapped_numel (int): unused (size-based policies read it).
        layer_names (sequence[str]): class names to wrap, one unit each.
    """
    if recurse:
        return True
    return type(module).__name__ in layer_names
