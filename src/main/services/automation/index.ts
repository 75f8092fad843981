export { BrowserController, type BrowserControllerOptions, type ConsentRequest, type ConsentResult } from './browser-controller'
export { describeEndpoint, isCdpEndpoint, type CdpEndpoint } from './cdp-endpoint'
export { classifyPage, failureForPage, type PageClassification, type PageKind, type PageSnapshot } from './page-classifier'
