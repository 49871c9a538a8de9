// The bundle and the extensions' assets (schemas, themes) under build/, as JupyterLab's examples/app builds them.
const path = require('path');
const webpack = require('webpack');
const Build = require('@jupyterlab/builder').Build;
const data = require('./package.json');

const names = Object.keys(data.dependencies).filter((name) => require(name + '/package.json').jupyterlab !== undefined);
const extras = Build.ensureAssets({ packageNames: names, output: './build' });

module.exports = [
  {
    entry: ['whatwg-fetch', './index.js'],
    output: { path: path.resolve(__dirname, 'build'), filename: 'bundle.js' },
    bail: true,
    mode: 'production',
    devtool: false,
    performance: { hints: false },
    module: {
      rules: [
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        { test: /\.html$/, use: 'file-loader' },
        { test: /\.md$/, use: 'raw-loader' },
        { test: /\.(jpg|png|gif)$/, use: 'file-loader' },
        { test: /\.js.map$/, use: 'file-loader' },
        { test: /\.(woff2?|ttf|eot)(\?v=\d+\.\d+\.\d+)?$/, type: 'asset/resource' },
        { test: /\.svg(\?v=\d+\.\d+\.\d+)?$/, issuer: /\.css$/, use: { loader: 'svg-url-loader', options: { encoding: 'none', limit: 10000 } } },
        { test: /\.svg(\?v=\d+\.\d+\.\d+)?$/, issuer: /\.js$/, use: { loader: 'raw-loader' } }
      ]
    },
    resolve: { fallback: { path: require.resolve('path-browserify') } },
    plugins: [new webpack.ProvidePlugin({ process: 'process/browser.js' })]
  }
].concat(extras);
