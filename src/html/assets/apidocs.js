// The API documentation page: Swagger UI (vendored) over the service's own
// OpenAPI document. No validator, no request to any other host.
const el = document.getElementById('swagger-ui');
// eslint-disable-next-line no-undef
SwaggerUIBundle({
  url: el.dataset.url,
  domNode: el,
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: true,
  defaultModelsExpandDepth: 0,
});
