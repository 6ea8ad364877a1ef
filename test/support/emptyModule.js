// Stands in for a module that the code under test loads but never uses (see jest.config.ts).
module.exports = {};
