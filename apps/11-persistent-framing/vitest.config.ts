import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('11-persistent-framing');
