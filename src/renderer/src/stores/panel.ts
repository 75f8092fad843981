import { api } from '../api'
import { appStore } from './app-store'
import { createLoaders } from './loaders'

/** The page's loaders (profiles, sessions, settings…), shared by connectStore and the pages that reload after an action. */
export const loaders = createLoaders(appStore, api)
