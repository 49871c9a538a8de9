// JupyterLab 3.6.8 from its extension packages, the way JupyterLab's examples/app assembles it.
import { PageConfig } from '@jupyterlab/coreutils';
// eslint-disable-next-line no-undef
__webpack_public_path__ = PageConfig.getOption('fullStaticUrl') + '/';

// Every extension's styles: build/style.js is written by Build.ensureAssets (webpack.config.js).
require('./build/style.js');

window.addEventListener('load', async function () {
  const { JupyterLab } = require('@jupyterlab/application');
  // The news pop-up asks a question over the notebook: leave it out.
  const withoutNews = (mod) => {
    const plugins = (mod.default || mod);
    const list = Array.isArray(plugins) ? plugins : [plugins];
    return list.filter((p) => !/announcements|news/.test(p.id));
  };
  const mods = [
    require('@jupyterlab/application-extension'),
    withoutNews(require('@jupyterlab/apputils-extension')),
    require('@jupyterlab/codemirror-extension'),
    require('@jupyterlab/completer-extension'),
    require('@jupyterlab/console-extension'),
    require('@jupyterlab/docmanager-extension'),
    require('@jupyterlab/documentsearch-extension'),
    require('@jupyterlab/filebrowser-extension'),
    require('@jupyterlab/fileeditor-extension'),
    require('@jupyterlab/imageviewer-extension'),
    require('@jupyterlab/inspector-extension'),
    require('@jupyterlab/javascript-extension'),
    require('@jupyterlab/json-extension'),
    require('@jupyterlab/launcher-extension'),
    require('@jupyterlab/mainmenu-extension'),
    require('@jupyterlab/markdownviewer-extension'),
    require('@jupyterlab/notebook-extension'),
    require('@jupyterlab/rendermime-extension'),
    require('@jupyterlab/running-extension'),
    require('@jupyterlab/settingeditor-extension'),
    require('@jupyterlab/shortcuts-extension'),
    require('@jupyterlab/statusbar-extension'),
    require('@jupyterlab/theme-light-extension'),
    require('@jupyterlab/tooltip-extension'),
    require('@jupyterlab/translation-extension'),
    require('@jupyterlab/ui-components-extension')
  ];
  const lab = new JupyterLab();
  lab.registerPluginModules(mods);
  await lab.start();
  await lab.restored;
  window.jupyterapp = lab; // the tests run commands through it
  document.body.setAttribute('data-lessr-lab', 'ready');
});
