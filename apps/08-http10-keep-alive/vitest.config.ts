import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('08-http10-keep-alive');
