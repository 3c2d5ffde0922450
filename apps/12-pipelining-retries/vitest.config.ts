import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('12-pipelining-retries');
