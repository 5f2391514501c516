# Debian azure-cli 2.45 on Debian python3-azure 20230112: two import-time mismatches, patched in memory only.
import importlib, importlib.abc, importlib.util, sys
OLD, NEW = 'azure.mgmt.network.v2022_01_01', 'azure.mgmt.network.v2022_07_01'
class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """azure.mgmt.network.v2022_01_01 (missing) -> v2022_07_01 (shipped): lets the network module load its
    arguments; the AAZ network commands still send their own api-version (2022-01-01)."""
    def find_spec(self, name, path=None, target=None):
        if name == OLD or name.startswith(OLD + '.'):
            return importlib.util.spec_from_loader(name, self, is_package=True)
        return None
    def create_module(self, spec):
        return importlib.import_module(NEW + spec.name[len(OLD):])
    def exec_module(self, module):
        pass
class _ConfigAlias(importlib.abc.MetaPathFinder):
    """azure.mgmt.authorization 3.0.0 operations keep `_config`; az 2.45's role module reads `.config`."""
    def find_spec(self, name, path=None, target=None):
        if not (name.startswith('azure.mgmt.authorization.') and '_operations' in name.rsplit('.', 1)[-1]):
            return None
        for finder in sys.meta_path:
            if isinstance(finder, (_Alias, _ConfigAlias)):
                continue
            spec = getattr(finder, 'find_spec', lambda *a: None)(name, path, target)
            if spec is not None:
                break
        else:
            return None
        real_exec = spec.loader.exec_module
        def exec_module(module, real_exec=real_exec):
            real_exec(module)
            for attr in list(vars(module).values()):
                if isinstance(attr, type) and attr.__name__.endswith('Operations') and not hasattr(attr, 'config'):
                    attr.config = property(lambda self: self._config)
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path[:0] = [_ConfigAlias(), _Alias()]
