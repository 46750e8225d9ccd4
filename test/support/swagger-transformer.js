// Runs @nestjs/swagger's CLI plugin inside ts-jest, so the OpenAPI document the tests read is
// built from the same metadata `nest build` emits. ts-jest wants a name, a version and a factory.
const plugin = require('@nestjs/swagger/plugin');

module.exports.name = 'nestjs-swagger-plugin';
module.exports.version = 1;
module.exports.factory = (compiler) =>
  plugin.before({ classValidatorShim: true, introspectComments: true }, compiler.program);
